"""Keys, pseudonyms, the installation secret and the scope rules of each role."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from platsa.services.security import (
    Principal,
    Pseudonymizer,
    Role,
    ScopeError,
    key_digest,
    key_prefix,
    load_or_create_secret,
    new_api_key,
)

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.:", min_size=1, max_size=64)
PSEUDO = Pseudonymizer(b"0123456789abcdef0123456789abcdef")


def test_keys_are_random_and_only_their_digest_identifies_them() -> None:
    first, second = new_api_key(), new_api_key()
    assert first != second and first.startswith("psk_") and len(first) > 40
    assert key_digest(first) == key_digest(first) != key_digest(second)
    assert len(key_digest(first)) == 64 and first not in key_digest(first)
    assert first.startswith(key_prefix(first)) and len(key_prefix(first)) == 10


@given(person=ids, scope=ids, other_scope=ids)
def test_pseudonyms_are_stable_per_scope_and_differ_across_scopes(person: str, scope: str,
                                                                  other_scope: str) -> None:
    name = PSEUDO.pseudonym(person, scope)
    assert name == PSEUDO.pseudonym(person, scope)
    if other_scope != scope:
        assert name != PSEUDO.pseudonym(person, other_scope)


@given(a=ids, b=ids)
def test_audit_references_are_keyed_digests(a: str, b: str) -> None:
    assert (PSEUDO.subject_ref("participant", a) == PSEUDO.subject_ref("participant", b)) == (a == b)
    other_key = Pseudonymizer(b"another secret of enough bytes!!")
    assert other_key.subject_ref("participant", a) != PSEUDO.subject_ref("participant", a)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        Pseudonymizer(b"short")


def test_workers_starting_together_share_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "home" / "serving.key"
    seen: list[bytes] = []
    threads = [threading.Thread(target=lambda: seen.append(load_or_create_secret(path)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and len(seen[0]) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["serving.key"]


def test_each_role_sees_its_own_scope() -> None:
    coach = Principal("u1", Role.COACH, municipality_code="1280")
    employer = Principal("u2", Role.EMPLOYER, employer_id="e1")
    scientist = Principal("u3", Role.DATA_SCIENTIST)
    admin = Principal("u4", Role.ADMIN)
    assert coach.sees_participant("1280") and not coach.sees_participant("1281")
    assert not employer.sees_participant("1280") and not scientist.sees_participant("1280")
    assert admin.sees_participant("1281")
    assert employer.owns_opening("e1", None) and employer.owns_opening("e9", "e1")
    assert not employer.owns_opening("e2", "assoc") and not coach.owns_opening("e1", None)
    assert coach.sees_opening("e9", None, "1280") and not coach.sees_opening("e9", None, "1281")
    assert scientist.sees_opening("e9", None, "1281") and not scientist.owns_opening("e9", None)
    assert coach.municipalities == frozenset({"1280"}) and admin.municipalities is None


def test_a_role_without_its_scope_is_refused() -> None:
    with pytest.raises(ScopeError, match="municipality"):
        Principal("u1", Role.COACH)
    with pytest.raises(ScopeError, match="employer id"):
        Principal("u2", Role.EMPLOYER)
