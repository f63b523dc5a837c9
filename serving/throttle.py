"""Refused credentials: a sliding-window throttle per client address and per key prefix,
and the audit entry of every refusal.

The failures live in the store (``auth_failures``), so the count is shared by every worker
and replica: a client cannot multiply its guesses by the number of processes. Only failures
are written, and an address or prefix stops being written for once it is throttled, so a
flood of bad keys costs at most ``per_address`` inserts per address per window.

A throttled address gets 429 for any key its worker has not already checked: a right key
is not even looked up, so guessing learns nothing while throttled. Keys a worker has
checked (its :class:`~serving.revocation.KeyCache`, even from before the last revocation)
skip the throttle, so colleagues behind the same office address keep working while one
misconfigured script is held back.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from matcher.store.engine import session_scope
from platsa.services.security import ANONYMOUS, key_prefix
from platsa.settings import ServingSettings
from serving import audit
from serving.accounts import KeyCheck, check_key
from serving.audit import Action
from serving.tables import AuthFailureRow

log = logging.getLogger(__name__)

Via = Literal["api", "web"]


class Throttled(PermissionError):
    """Too many failed attempts from one address or with one key prefix."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"too many failed sign-in attempts {what}; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttle:
    """At most ``per_address`` failures per client address and ``per_prefix`` per key
    prefix within any ``window``; a further attempt is :class:`Throttled`."""

    window: dt.timedelta
    per_address: int
    per_prefix: int

    @classmethod
    def from_settings(cls, settings: ServingSettings) -> Throttle:
        return cls(dt.timedelta(seconds=settings.auth_failure_window_seconds),
                   settings.auth_failures_per_address, settings.auth_failures_per_prefix)

    def _retry_after(self, session: Session, column: InstrumentedAttribute[str], value: str,
                     limit: int, now: dt.datetime) -> int | None:
        """Seconds until fewer than ``limit`` failures with ``column == value`` remain in the
        window; None when there are fewer already."""
        recent = list(session.scalars(
            select(AuthFailureRow.at)
            .where(column == value, AuthFailureRow.at > now - self.window)
            .order_by(AuthFailureRow.at.desc()).limit(limit)))
        if len(recent) < limit:
            return None
        leaves = _aware(recent[-1]) + self.window
        return max(1, math.ceil((leaves - now).total_seconds()))

    def check(self, session: Session, address: str, prefix: str,
              now: dt.datetime | None = None) -> None:
        """Raise :class:`Throttled` when the address or the prefix is over its limit."""
        now = now or dt.datetime.now(dt.UTC)
        for what, column, value, limit in (
                (f"from {address}", AuthFailureRow.address, address, self.per_address),
                (f"with keys starting {prefix}", AuthFailureRow.prefix, prefix, self.per_prefix)):
            retry = self._retry_after(session, column, value, limit, now)
            if retry is not None:
                raise Throttled(what, retry)

    def fail(self, session: Session, address: str, prefix: str,
             now: dt.datetime | None = None) -> bool:
        """Record a failure; whether it brought the address or the prefix to its limit."""
        now = now or dt.datetime.now(dt.UTC)
        session.execute(delete(AuthFailureRow).where(AuthFailureRow.at <= now - self.window))
        session.execute(insert(AuthFailureRow).values(at=now, address=address, prefix=prefix))
        try:
            self.check(session, address, prefix, now)
        except Throttled:
            return True
        return False


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite hands back naive timestamps; every stored time is UTC."""
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def admit_key(engine: Engine, throttle: Throttle, key: str, address: str, via: Via,
              known: bool = False) -> KeyCheck:
    """Check ``key`` for a client at ``address``, throttled unless the key is ``known`` to
    have been valid; a refusal is recorded and audited.

    Raises :class:`Throttled` (nothing looked up, nothing written) when the address or the
    key's prefix is over its limit. Otherwise returns the check, whose ``principal`` is None
    for a refused key.
    """
    prefix = key_prefix(key)
    with session_scope(engine) as session:
        if not known:
            throttle.check(session, address, prefix)
        found = check_key(session, key)
        if found.principal is None:
            reached = throttle.fail(session, address, prefix)
            actor = found.holder or ANONYMOUS
            detail = {"address": address, "reason": found.state.value, "via": via}
            audit.record(session, actor, Action.AUTH_DENIED, "api_key", prefix, shown=[detail])
            if reached:
                log.warning("throttling sign-in attempts from %s / prefix %s", address, prefix)
                audit.record(session, actor, Action.AUTH_THROTTLED, "api_key", prefix,
                             shown=[detail])
    return found
