"""No models: ``schema_migrations`` is owned by :mod:`rtx.migrator.mirror`, not by the ORM.

This module exists so that Django sends ``post_migrate`` to this app (it does so only
for apps with a models module), which keeps the mirror right after a plain
``manage.py migrate``.
"""
