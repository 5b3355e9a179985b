"""PostgreSQL backend whose DDL keeps the legacy schema's conventions.

Use it as ``ENGINE = "rtx.db.backend"``. It differs from Django's stock PostgreSQL
backend in the DDL its schema editor writes and, for reads, in loading timestamptz values
with psycopg's C loader (see ``base.DatabaseWrapper.create_cursor``); queries are untouched.
"""
