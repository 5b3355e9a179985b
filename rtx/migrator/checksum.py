"""A version's checksum: what its migrations said when the version was applied.

The digest covers the source of every migration file this project owns, and the name
of each migration that comes with Django itself (a Django upgrade must not look like
an edited migration, while a new Django migration still needs a version of its own).
Line endings are normalised so that a checkout on another OS gives the same digest.
"""

import hashlib
import sys
from pathlib import Path

import django
from django.db.migrations.loader import MigrationLoader

from rtx.migrator.registry import Version, join_key


def migration_file(loader: MigrationLoader, key: tuple[str, str]) -> Path | None:
    migration = loader.disk_migrations[key]
    module = sys.modules[type(migration).__module__]
    return Path(module.__file__) if module.__file__ else None


DJANGO_PACKAGE = Path(django.__file__).resolve().parent


def is_django_file(path: Path) -> bool:
    return path.resolve().is_relative_to(DJANGO_PACKAGE)


def version_checksum(version: Version, loader: MigrationLoader) -> str:
    digest = hashlib.sha256()
    for key in version.keys:
        digest.update(join_key(key).encode() + b"\0")
        path = migration_file(loader, key)
        if path is not None and not is_django_file(path):
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()
