"""Alembic migrations, run in code by :mod:`ramsts.store.migrate` (no ``alembic.ini``)."""
