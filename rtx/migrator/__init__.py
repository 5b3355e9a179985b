"""The machinery behind ``rtx_migrate``: plain modules that never write to a terminal.

* :mod:`~rtx.migrator.registry`: versions, the numbered groups of Django migrations;
* :mod:`~rtx.migrator.checksum`: what a version's files looked like when applied;
* :mod:`~rtx.migrator.mirror`: the legacy ``schema_migrations`` table;
* :mod:`~rtx.migrator.lock`: one migrating process at a time;
* :mod:`~rtx.migrator.database`: connecting, and saying clearly why it failed;
* :mod:`~rtx.migrator.runner`: planning and applying versions, reporting through a callback;
* :mod:`~rtx.migrator.errors`: the failures, each with its exit status.
"""
