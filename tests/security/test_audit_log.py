"""An audit log that cannot be edited (issue 17, item 6).

The database itself refuses UPDATE and DELETE of entries from any client, on SQLite and
PostgreSQL; entries are hash-chained so whoever gets past the triggers is caught by
``platsa audit verify``; concurrent writers form one chain; placement reads and
candidate-list exposures are logged and found by participant; nothing younger than six
months can be pruned, and a prune is itself logged.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from matcher.store.engine import get_engine, session_scope
from platsa.services.security import Principal, Role
from serving import audit
from serving.audit import Action
from tests.security.conftest import World

AUDITOR = Principal("u-auditor", Role.ADMIN)
NOW = dt.datetime.now(dt.UTC)


def _log(engine: Engine, count: int, at: dt.datetime | None = None, who: str = "u-1") -> None:
    with session_scope(engine) as session:
        for n in range(count):
            audit.record(session, Principal(who, Role.COACH, "1280"), Action.PARTICIPANT_READ,
                         "participant", f"ref-{who}-{n}", shown=[{"n": n, "score": 0.1 * n}],
                         subjects=[f"seen-{n}"], at=at)


def _refused(engine: Engine, sql: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(sql))


def _verification(engine: Engine) -> audit.Verification:
    with session_scope(engine) as session:
        return audit.verify(session)


def test_plain_sql_cannot_change_or_delete_entries(engine: Engine) -> None:
    _log(engine, 3)
    _refused(engine, "UPDATE audit_events SET user_id = 'someone-else'")
    _refused(engine, "UPDATE audit_events SET shown = '[]' WHERE id = 2")
    _refused(engine, "DELETE FROM audit_events WHERE id = 3")
    _refused(engine, "DELETE FROM audit_events")
    _refused(engine, "UPDATE audit_subjects SET subject_ref = 'x'")
    _refused(engine, "DELETE FROM audit_subjects")
    _refused(engine, "DELETE FROM audit_chain")
    _refused(engine, "UPDATE audit_chain SET last_id = 1")  # rewinding the head
    _refused(engine, "UPDATE audit_chain SET anchor_id = 3")  # a prune that was never logged
    _refused(engine, "INSERT INTO audit_events (id, at, user_id, role, action, subject_kind, "
                     "subject_ref, shown, prev_hash, hash) VALUES (4, '2026-01-01', 'x', 'admin', "
                     "'participant.read', 'participant', 'r', '[]', 'forged', 'forged')")
    if engine.dialect.name == "postgresql":
        _refused(engine, "TRUNCATE audit_events CASCADE")
    verification = _verification(engine)
    assert verification.intact and verification.checked == 3


def test_concurrent_writers_form_one_chain(engine: Engine) -> None:
    threads = [threading.Thread(target=_log, args=(engine, 10, None, f"u-{n}")) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verification = _verification(engine)
    assert verification.intact, verification.reason
    assert (verification.checked, verification.head_id) == (80, 80)


def _without_triggers(engine: Engine) -> None:
    """What someone with the database owner's rights can do."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in ("audit_events", "audit_subjects", "audit_chain"):
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for name in connection.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars().all():
                connection.execute(text(f"DROP TRIGGER {name}"))


@pytest.mark.parametrize(("tamper", "first_broken"), [
    ("UPDATE audit_events SET user_id = 'someone-else' WHERE id = 5", 5),
    ("UPDATE audit_events SET shown = '[{\"n\": 9}]' WHERE id = 2", 2),
    ("DELETE FROM audit_subjects WHERE event_id = 4", 4),
    ("DELETE FROM audit_events WHERE id = 7", 8),
    ("DELETE FROM audit_events WHERE id >= 9", 9),
])
def test_verify_reports_the_first_broken_link(engine: Engine, tamper: str, first_broken: int) -> None:
    _log(engine, 10)
    _without_triggers(engine)
    with engine.begin() as connection:
        if "audit_events WHERE id" in tamper and tamper.startswith("DELETE"):
            connection.execute(text(tamper.replace("audit_events", "audit_subjects")
                                    .replace("WHERE id", "WHERE event_id")))
        connection.execute(text(tamper))
    verification = _verification(engine)
    assert verification.broken_at == first_broken, verification.reason


def _cli(*args: str) -> object:
    from platsa.cli.main import _register, app

    _register()
    return CliRunner().invoke(app, list(args))


def test_platsa_audit_verify_exits_1_naming_the_entry(world: World) -> None:
    coach = world.headers("coach")
    for _ in range(3):
        world.client.get("/participants/p1", headers=coach)
    intact = _cli("audit", "verify")
    assert intact.exit_code == 0, intact.output  # type: ignore[attr-defined]
    engine = get_engine(world.settings.paths.resolved_database_url)
    _without_triggers(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET user_id = 'nobody' WHERE id = 2"))
    engine.dispose()
    broken = _cli("audit", "verify")
    assert broken.exit_code == 1  # type: ignore[attr-defined]
    assert "entry 2" in broken.output  # type: ignore[attr-defined]
    as_json = _cli("audit", "verify", "--json")
    assert as_json.exit_code == 1  # type: ignore[attr-defined]
    assert json.loads(as_json.stdout)["broken_at"] == 2  # type: ignore[attr-defined]


def test_placement_reads_and_candidate_exposures_are_found_by_participant(world: World) -> None:
    world.client.get("/placements/pl1", headers=world.headers("coach"))  # p1's placement
    listed = world.client.get("/openings/o1/candidates?k=20", headers=world.headers("employer"))
    assert listed.status_code == 200 and listed.json()["items"]
    found = world.client.get("/audit?participant_id=p1", headers=world.headers("admin")).json()
    actions = [entry["action"] for entry in found]
    assert "placement.read" in actions and "candidates.read" in actions
    assert "pl1" not in str(found) and "p1" not in {e["subject_ref"] for e in found}
    shown = _cli("audit", "show", "--participant", "p1", "--json")
    assert shown.exit_code == 0, shown.output  # type: ignore[attr-defined]
    assert "candidates.read" in shown.output and "placement.read" in shown.output  # type: ignore[attr-defined]


def test_prune_keeps_six_months_and_is_itself_logged(world: World) -> None:
    engine = get_engine(world.settings.paths.resolved_database_url)
    old = NOW - dt.timedelta(days=300)
    _log(engine, 4, at=old)  # logged long ago
    world.client.get("/participants/p1", headers=world.headers("coach"))  # logged now
    too_young = (NOW - dt.timedelta(days=120)).date().isoformat()
    refused = _cli("audit", "prune", "--before", too_young)
    assert refused.exit_code != 0 and "6 months" in refused.output  # type: ignore[attr-defined]
    before = (NOW - dt.timedelta(days=250)).date().isoformat()
    pruned = _cli("audit", "prune", "--before", before)
    assert pruned.exit_code == 0, pruned.output  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        actions = [entry.action for entry in audit.entries(session, limit=1000)]
        assert actions[0] == "audit.prune"
        assert "participant.read" in actions and len(actions) == 2  # the old four went
        assert audit.verify(session).intact
    _refused(engine, "DELETE FROM audit_events")  # the young entry and the prune's stay
    _refused(engine, "UPDATE audit_chain SET anchor_id = anchor_id + 1")
    engine.dispose()


def test_the_triggers_survive_a_fresh_database(tmp_path: Path) -> None:
    """The migration creates them; nothing has to be remembered at deployment."""
    from matcher.store.engine import init_db

    fresh = init_db(f"sqlite:///{tmp_path / 'fresh.db'}")
    _log(fresh, 1)
    _refused(fresh, "DELETE FROM audit_events")
    fresh.dispose()


def test_entries_logged_before_the_upgrade_are_chained(database_url: str) -> None:
    from sqlalchemy import make_url

    from matcher.store.engine import private_file, upgrade

    if make_url(database_url).get_backend_name() == "sqlite":
        private_file(Path(str(make_url(database_url).database)))  # its folder, as init_db would
    engine = get_engine(database_url)
    upgrade(engine, "0002")
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(text(
                "INSERT INTO audit_events (at, user_id, role, action, subject_kind, subject_ref, "
                "model_version, shown) VALUES (:at, 'u-old', 'coach', 'participant.read', "
                "'participant', :ref, NULL, :shown)"),
                {"at": NOW - dt.timedelta(days=n), "ref": f"ref-{n}", "shown": '[{"rank": 1}]'})
    upgrade(engine)
    _log(engine, 2)
    verification = _verification(engine)
    assert verification.intact, verification.reason
    assert (verification.checked, verification.head_id) == (5, 5)
    _refused(engine, "DELETE FROM audit_events WHERE id = 1")
    engine.dispose()
