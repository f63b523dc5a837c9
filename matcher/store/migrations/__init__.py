"""Alembic migrations of the store; run them with :func:`matcher.store.engine.upgrade`."""
