"""Who is calling and what they may see: roles, API keys, scopes and pseudonyms.

Every rule about *who sees what* is a method of :class:`Principal`, so routes ask one
question ("may this caller see participants of municipality 1280?") instead of repeating
role checks. Which openings a caller sees is one rule, :meth:`Principal.sees_opening`; its
form for many openings at once is :attr:`Principal.opening_municipalities` (the
recommender's allowed municipalities, the store's opening queries). Keys and pseudonyms are
derived with standard primitives: a key is 32 random bytes stored as its SHA-256 digest; a
pseudonym is an HMAC of the participant id under the installation's secret and a scope (the
opening), so employers cannot link the same person across two candidate lists and nobody
can reverse it without the secret.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

KEY_PREFIX = "psk_"
SECRET_BYTES = 32


class Role(StrEnum):
    """What a user does in the programme; decides every permission."""

    COACH = "coach"
    EMPLOYER = "employer"
    DATA_SCIENTIST = "data_scientist"
    ADMIN = "admin"


class ScopeError(ValueError):
    """A user's role and scope do not fit (a coach without municipality, ...)."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user id, a role and the scope that role is limited to.

    Coaches work with the participants of one municipality and see the openings of it and of
    its cooperation areas (``area``: the other municipalities of every *samverkansområde* it
    belongs to, :class:`CooperationAreas`); employers see their own organisation's openings
    (an association also its members'); data scientists and admins see every municipality,
    data scientists only pseudonymised or aggregate data about people.
    """

    user_id: str
    role: Role
    municipality_code: str | None = None
    employer_id: str | None = None
    #: The coach record a coach user is: their own caseload is the participants naming it.
    coach_id: str | None = None
    area: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        if self.role is Role.COACH and not self.municipality_code:
            raise ScopeError(f"municipality_code: coach {self.user_id!r} needs a municipality")
        if self.coach_id is not None and self.role is not Role.COACH:
            raise ScopeError(f"user {self.user_id!r} is a {self.role.value}, not a coach, "
                             f"so cannot be coach {self.coach_id!r}")
        if self.role is Role.EMPLOYER and not self.employer_id:
            raise ScopeError(f"employer_id: employer user {self.user_id!r} needs an employer id")

    @property
    def municipalities(self) -> frozenset[str] | None:
        """The municipalities whose participants this caller works with (None: all)."""
        if self.role is Role.COACH and self.municipality_code:
            return frozenset({self.municipality_code})
        return None

    @property
    def opening_municipalities(self) -> frozenset[str] | None:
        """The municipalities whose openings this caller sees by place (None: every one).

        Coaches: their own plus their cooperation areas'. Employers see openings by owner,
        never by place, so none here: a filter built from this fails closed for them.
        """
        if self.role in (Role.ADMIN, Role.DATA_SCIENTIST):
            return None
        if self.role is Role.COACH and self.municipality_code:
            return frozenset({self.municipality_code}) | self.area
        return frozenset()

    def sees_participant(self, municipality_code: str) -> bool:
        """May read a participant's profile and suggestions (coaches: own municipality)."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.COACH and municipality_code == self.municipality_code

    def owns_opening(self, employer_id: str, parent_id: str | None) -> bool:
        """May change an opening and see its candidates: the posting employer or association."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.EMPLOYER and self.employer_id in (employer_id, parent_id)

    def sees_opening(self, employer_id: str, parent_id: str | None, municipality_code: str) -> bool:
        """The visibility rule for openings, for every read and write that names one: its
        owner (employer, or association of the employer), coaches of its municipality or of a
        cooperation area it belongs to, data scientists and admins."""
        if self.role is Role.EMPLOYER:
            return self.owns_opening(employer_id, parent_id)
        places = self.opening_municipalities
        return places is None or municipality_code in places


@dataclass(frozen=True)
class CooperationAreas:
    """Named sets of municipalities whose coaches share openings (*samverkansområden*).

    A municipality may belong to several areas or to none; its coaches see the openings of
    every municipality it shares an area with.
    """

    areas: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def around(self, municipality_code: str) -> frozenset[str]:
        """The other municipalities of every area ``municipality_code`` belongs to."""
        shared = (codes for codes in self.areas.values() if municipality_code in codes)
        return frozenset().union(*shared) - {municipality_code}

    def scoped(self, principal: Principal) -> Principal:
        """``principal`` with its cooperation area filled in (coaches only)."""
        if principal.role is not Role.COACH or principal.municipality_code is None:
            return principal
        return replace(principal, area=self.around(principal.municipality_code))


class Caller(StrEnum):
    """Who acts without being a signed-in user, as the audit log names them."""

    ANONYMOUS = "anonymous"  # a client whose credential matched no user
    OPERATOR = "operator"  # the command line, run by someone holding the store's credentials


@dataclass(frozen=True)
class NonUser:
    """An audit log actor that is no user: an unidentified client or the command line."""

    user_id: str
    role: Caller


class Actor(Protocol):
    """Whoever an audit entry names: a :class:`Principal` or a :class:`NonUser`."""

    @property
    def user_id(self) -> str: ...

    @property
    def role(self) -> StrEnum: ...


ANONYMOUS = NonUser("anonymous", Caller.ANONYMOUS)


def operator() -> NonUser:
    """The person running the command line, by their operating-system login (or uid: a
    container's user may have no name)."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = str(os.getuid())
    return NonUser(f"cli:{login}", Caller.OPERATOR)


# --------------------------------------------------------------------------- keys


def new_api_key() -> str:
    """A fresh API key (shown to its user once, never stored)."""
    return KEY_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def key_digest(key: str) -> str:
    """What the store keeps of a key or a session secret: its SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str:
    """A short, harmless part of a key so a user can tell their keys apart in listings."""
    return key[: len(KEY_PREFIX) + 6]


# --------------------------------------------------------------------------- pseudonyms


class Pseudonymizer:
    """Keyed, one-way names for participants in candidate lists, exports and the audit log."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError(f"pseudonymisation secret has {len(secret)} bytes, needs at least 16")
        self._secret = secret

    def _digest(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def pseudonym(self, participant_id: str, scope: str) -> str:
        """A short name for a participant, stable within ``scope`` and unlinkable across scopes."""
        return "k-" + self._digest("pseudonym", scope, participant_id)[:12]

    def subject_ref(self, kind: str, subject_id: str) -> str:
        """The audit log's reference to a record: a full-length keyed digest of its id."""
        return self._digest("audit", kind, subject_id)


def load_or_create_secret(path: Path) -> bytes:
    """Read the installation's secret, creating it (mode 0600) on first start.

    The new secret is written to a temporary file and hard-linked into place, which fails
    when the file exists: two workers starting at once agree on one complete secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(SECRET_BYTES))
            os.link(temp, path)
            log.info("created serving secret %s", path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
    secret = path.read_bytes()
    if len(secret) < 16:
        raise ValueError(f"{path}: secret is shorter than 16 bytes; delete it to regenerate")
    return secret
