"""Import and export tests share the database fixtures."""

from tests.matcher.store.databases import database_url, engine, seeded

__all__ = ["database_url", "engine", "seeded"]
