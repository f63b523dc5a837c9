"""Security tests attack the running app: the serving world's users and keys, signed in
through the API and through the web form (see ``tests/serving/conftest.py``)."""

from tests.serving.conftest import fresh_serving_settings, world
from tests.web.conftest import web

__all__ = ["fresh_serving_settings", "web", "world"]
