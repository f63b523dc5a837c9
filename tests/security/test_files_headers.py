"""Files and headers (issue 17, item 8).

The store, its write-ahead log and shared-memory files, and exported files are created
readable by their owner only (0600), whatever the process umask. Web pages send a content
security policy without inline script or style and forbid framing; answers holding personal
data are never cached; HSTS is sent over HTTPS when configured.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher.io import export
from matcher.store.engine import init_db, session_scope
from serving.app import create_app
from serving.web.pages import HERE
from tests.matcher.store import factories
from tests.security.conftest import World
from tests.serving.conftest import seed_world


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_and_its_log_are_private_files(tmp_path: Path) -> None:
    database = tmp_path / "store" / "platsa.db"
    with _umask(0o022):
        engine = init_db(f"sqlite:///{database}")
        with session_scope(engine) as session:
            factories.seed(session)
        companions = [database.with_name(database.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in companions)
        assert {path.name: _mode(path) for path in (database, *companions)} == {
            path.name: 0o600 for path in (database, *companions)}
        engine.dispose()


def test_an_existing_world_readable_store_is_tightened(tmp_path: Path) -> None:
    database = tmp_path / "platsa.db"
    init_db(f"sqlite:///{database}").dispose()
    database.chmod(0o644)
    init_db(f"sqlite:///{database}").dispose()
    assert _mode(database) == 0o600


def test_exported_files_are_private(tmp_path: Path) -> None:
    with _umask(0o022):
        engine = init_db(f"sqlite:///{tmp_path / 'a.db'}")
        with session_scope(engine) as session:
            factories.seed(session)
        for fmt in ("csv", "jsonl", "parquet"):
            written = export(engine, tmp_path / fmt, fmt)
            for kind in written:
                path = tmp_path / fmt / f"{kind.value}.{fmt}"
                assert _mode(path) == 0o600, path
        engine.dispose()


def test_the_cli_creates_private_files(platsa_home: Path) -> None:
    """Everything ``platsa`` writes (store, exports, reports) is the owner's only."""
    from typer.testing import CliRunner

    from platsa.cli.main import _register, app

    _register()
    with _umask(0o022):
        result = CliRunner().invoke(app, ["export", "--out", str(platsa_home / "out")])
        assert result.exit_code == 0, result.output
        assert _mode(platsa_home / "platsa.db") == 0o600
        assert _mode(platsa_home / "out" / "participants.csv") == 0o600


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_templates_hold_no_inline_script_or_style() -> None:
    for template in sorted((HERE / "templates").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), template.name
        assert not INLINE_HANDLER.search(text), template.name
        assert "style=" not in text and "<style" not in text, template.name
        assert "javascript:" not in text, template.name


def _policy(headers: object) -> dict[str, str]:
    value = headers["content-security-policy"]  # type: ignore[index]
    return {part.split()[0]: part.strip() for part in value.split(";") if part.strip()}


def test_pages_send_a_strict_content_security_policy(world: World) -> None:
    page = world.client.get("/web/login")
    policy = _policy(page.headers)
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert policy["script-src"] == "script-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"


def test_participant_pages_and_personal_answers_are_never_cached(world: World) -> None:
    from tests.web.conftest import csrf_token

    client = world.client
    token = csrf_token(client.get("/web/login").text)
    client.post("/web/login", data={"csrf_token": token, "api_key": world.keys["coach"]})
    page = client.get("/web/coach/participants/p1")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    listing = client.get("/web/coach")
    assert listing.headers["cache-control"] == "no-store"
    answer = client.get("/participants/p1", headers=world.headers("coach"))
    assert answer.headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/web/static/platsa.css").headers.get("cache-control", "")


@pytest.mark.parametrize(("scheme", "expected"), [("https", True), ("http", False)])
def test_hsts_is_sent_over_https_when_configured(platsa_home: Path, scheme: str,
                                                 expected: bool) -> None:
    settings, _ = seed_world(platsa_home, hsts_seconds=31_536_000)
    with TestClient(create_app(settings), base_url=f"{scheme}://testserver") as client:
        headers = client.get("/health").headers
    assert ("strict-transport-security" in headers) is expected
    if expected:
        assert headers["strict-transport-security"].startswith("max-age=31536000")


def test_no_hsts_unless_configured(world: World) -> None:
    client = TestClient(world.client.app, base_url="https://testserver")
    assert "strict-transport-security" not in client.get("/health").headers


def test_proxy_settings_are_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "deployment.md").read_text()
    for needle in ("FORWARDED_ALLOW_IPS", "PLATSA_HSTS_SECONDS", "Strict-Transport-Security"):
        assert needle in text, needle
