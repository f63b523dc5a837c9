"""Security tests attack the running app: the serving world's users and keys, signed in
through the API and through the web form (see ``tests/serving/conftest.py``); store-level
tests run on SQLite and on PostgreSQL (``engine``, see ``tests/matcher/store/databases.py``)."""

from tests.matcher.store.databases import database_url, engine
from tests.serving.conftest import fresh_serving_settings, world
from tests.web.conftest import web

__all__ = ["database_url", "engine", "fresh_serving_settings", "web", "world"]
