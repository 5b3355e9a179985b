"""PostgreSQL backend whose DDL keeps the legacy schema's conventions.

Use it as ``ENGINE = "rtx.db.backend"``. It differs from Django's stock PostgreSQL
backend only in the DDL its schema editor writes; queries are untouched.
"""
