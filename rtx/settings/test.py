"""Test overlay: each test run works in databases of its own.

The test database name carries the process id, so two runs on one server (two
developers, CI and a developer) never drop each other's database.
"""

import os

from rtx.settings import *  # noqa: F403
from rtx.settings import DATABASES

DATABASES["default"]["TEST"] = {"NAME": f"test_rtx_{os.getpid()}"}

# Fast hashing for tests; bcrypt stays so legacy Go hashes can be checked.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
