"""Who sees what of a participant: employers get pseudonyms and consented facts only, and
adaptation needs (health data) never reach a log or the audit trail in clear."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from matcher.domain import Accommodation
from matcher.store.engine import get_engine, session_scope
from platsa.i18n import LANGUAGES, renderer
from serving.tables import AuditEventRow
from tests.serving.conftest import World

HEALTH_WORDS = ("ryggbesvär", "hörselnedsättning", *(a.value for a in Accommodation),
                *(renderer(lang).label(a) for lang in LANGUAGES for a in Accommodation))


def _candidates(world: World, opening_id: str, user: str) -> dict:
    response = world.client.get(f"/openings/{opening_id}/candidates?k=20",
                                headers=world.headers(user))
    assert response.status_code == 200
    return response.json()


def test_employers_see_pseudonyms_and_only_what_participants_share(world: World) -> None:
    listing = _candidates(world, "o1", "employer")
    text = json.dumps(listing)
    for secret in ("woman", "gender", "birth_year", "needs_notes", "ryggbesvär", "p1", "p2"):
        assert secret not in text
    items = {item["shares_profile"]: item for item in listing["items"]}
    assert set(items) == {True, False}  # p1 shares her profile, p2 does not
    sharing, private = items[True], items[False]
    assert sharing["swedish_level"] == "sfi C (A2)" and sharing["prior_trades"] == ["Bagare"]
    # p1 needs an sfi-compatible schedule, which o1 offers: the only adaptation named.
    assert sharing["needs_you_offer"] == ["arbetstider som går ihop med sfi"]
    assert private["swedish_level"] is None and private["needs_you_offer"] == []
    assert private["prior_trades"] == [] and private["participant_id"] is None
    assert listing["fairness_reranked"] is True


def test_pseudonyms_do_not_link_a_person_across_openings(world: World) -> None:
    def pseudonym_of(opening_id: str) -> str:
        items = _candidates(world, opening_id, "admin")["items"]
        return next(i["pseudonym"] for i in items if i["participant_id"] == "p1")

    first, second = pseudonym_of("o1"), pseudonym_of("o-last")
    assert first != second
    assert pseudonym_of("o1") == first  # stable within one opening


def test_coaches_see_their_own_participants_by_id_and_no_one_else(world: World) -> None:
    mine = _candidates(world, "o1", "coach")["items"]
    assert {item["participant_id"] for item in mine} <= {"p1", "p2", "p3"}
    lund = world.client.get("/openings/o1/candidates", headers=world.headers("coach_lund"))
    assert lund.status_code == 404  # a Malmö opening is outside a Lund coach's scope


def test_needs_are_never_logged_or_audited_in_clear(world: World,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    coach, admin = world.headers("coach"), world.headers("admin")
    with caplog.at_level(logging.DEBUG):
        for path in ("/participants/p3", "/participants/p3/suggestions",
                     "/participants/p3/why-not/o1", "/openings/o1/candidates"):
            assert world.client.get(path, headers=coach).status_code == 200
        world.client.patch("/participants/p2", json={"needs": ["hearing_loop"]}, headers=admin)
        world.client.get("/openings/o2/candidates", headers=world.headers("employer_lund"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    engine = get_engine(world.settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        audited = json.dumps([[row.subject_ref, row.shown] for row in
                              session.scalars(select(AuditEventRow))], ensure_ascii=False)
    engine.dispose()
    for word in HEALTH_WORDS:
        assert word not in logged
        assert word not in audited
    assert "p3" not in audited


def test_audit_names_the_reader_the_model_and_what_was_shown(world: World) -> None:
    shown = world.client.get("/participants/p1/suggestions?k=2", headers=world.headers("coach"))
    entries = world.client.get("/audit?participant_id=p1&action=suggestions.read",
                               headers=world.headers("admin")).json()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["role"], entry["model_version"]) == ("coach", "rule-v1")
    assert [s["opening_id"] for s in entry["shown"]] == [
        item["opening_id"] for item in shown.json()["items"]]
    candidates = world.client.get("/audit?action=candidates.read", headers=world.headers("admin"))
    assert candidates.json() == []
    _candidates(world, "o1", "employer")
    entries = world.client.get("/audit?action=candidates.read", headers=world.headers("admin")).json()
    assert entries[0]["subject_ref"] == "o1" and entries[0]["role"] == "employer"


def test_the_audit_log_refuses_rewrites(world: World) -> None:
    from matcher.store.models import AppendOnlyError

    world.client.get("/participants/p1", headers=world.headers("coach"))
    engine = get_engine(world.settings.paths.resolved_database_url)
    with pytest.raises(AppendOnlyError), session_scope(engine) as session:
        row = session.scalars(select(AuditEventRow)).first()
        row.action = "nothing.happened"
        session.flush()
    with pytest.raises(AppendOnlyError), session_scope(engine) as session:
        session.delete(session.scalars(select(AuditEventRow)).first())
        session.flush()
    engine.dispose()


def test_audit_entries_commit_with_their_transaction_and_vanish_with_its_rollback(
        world: World) -> None:
    """Entries are inserted at commit (so SQLite's write lock is held only that long), yet
    belong to the transaction: a rollback drops them, a read in it sees them."""
    from platsa.services.security import Principal, Role
    from serving import audit

    reader = Principal("u-audit", Role.ADMIN)
    engine = get_engine(world.settings.paths.resolved_database_url)

    def logged() -> list[str]:
        with session_scope(engine) as session:
            return [e.subject_ref for e in audit.entries(session, action=audit.Action.EXPORT_READ)]

    with pytest.raises(RuntimeError, match="after the entry"), session_scope(engine) as session:
        audit.record(session, reader, audit.Action.EXPORT_READ, "export", "rolled-back")
        raise RuntimeError("failed after the entry")
    assert logged() == []
    with session_scope(engine) as session:
        audit.record(session, reader, audit.Action.EXPORT_READ, "export", "first")
        assert [e.subject_ref for e in audit.entries(session)][:1] == ["first"]
        audit.record(session, reader, audit.Action.EXPORT_READ, "export", "second")
    assert logged() == ["second", "first"]
    engine.dispose()
