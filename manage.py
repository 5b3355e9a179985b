#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

from rtx.cli import manage

if __name__ == "__main__":
    manage()
