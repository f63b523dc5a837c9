"""The app on a loopback socket in a background thread, for a browser to drive, and a copy
of the demo's store dated today with one user per role, to photograph or time.

The end-to-end tests and the README's screenshot script both need the real app behind a
real port (a browser cannot talk to a test client), started and stopped in-process so they
can look into the same store the pages write to. The screenshots and the pages' benchmark
(``benchmarks/pages.py``) both work on a copy of ``make demo``'s store, never the store
itself: its history ends on the day it was generated, so the copy's dates are moved forward
to end today (an opening that ended long ago is not suggested).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matcher import clock
from matcher.flat import ColumnType, Kind, columns
from matcher.store.engine import get_engine, session_scope
from matcher.store.models import (
    EmployerRow,
    OpeningRow,
    ParticipantRow,
    PlacementEventRow,
    PlacementRow,
)
from platsa.services.security import Role
from platsa.settings import Settings
from serving.accounts import create_user
from serving.web.queries import TABLES

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
#: Days between the newest opening's posting and "today" in a copy of the demo's store.
POSTED_DAYS_AGO = 3


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``condition`` until it holds; TimeoutError naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {seconds} s")
        time.sleep(0.05)


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(app: FastAPI, start_seconds: float = 60) -> Iterator[str]:
    """Serve ``app`` (lifespan included) until the block ends; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=free_port(), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="platsa-live", daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), start_seconds, "the server start")
        if not server.started:
            raise RuntimeError(f"the app did not start on {HOST}:{server.config.port}")
        yield f"http://{HOST}:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class NoDemoError(FileNotFoundError):
    """The installation has no embedded demo store to copy."""


def _shift_dates(session: Session, days: int) -> None:
    """Move every date of the copy ``days`` forward (SQLite date arithmetic; NULL stays NULL)."""
    shift = f"{days:+d} days"
    for kind in (Kind.PARTICIPANTS, Kind.OPENINGS, Kind.PLACEMENTS):
        table = TABLES[kind]
        for column in columns(kind):
            if column.type is ColumnType.DATE:
                stored = table.c[column.name]
                session.execute(update(table).values({stored: func.date(stored, shift)}))
    session.execute(update(PlacementEventRow).values(
        changed_on=func.date(PlacementEventRow.changed_on, shift)))


def dated_demo_copy(demo: Settings, home: Path) -> Settings:
    """A copy of the demo's store in ``home``, dated as of today, serving the demo's champion."""
    database = demo.paths.home / "platsa.db"
    if demo.paths.database_url or not database.is_file():
        raise NoDemoError(f"no demo database at {database}: run `make demo` first")
    shutil.copy(database, home / "platsa.db")
    if (demo.paths.home / "embeddings").is_dir():
        shutil.copytree(demo.paths.home / "embeddings", home / "embeddings")
    copy = demo.replace(home=home, mlflow_tracking_uri=demo.paths.resolved_tracking_uri)
    engine = get_engine(copy.paths.resolved_database_url)
    with session_scope(engine) as session:
        newest = dt.date.fromisoformat(str(session.scalar(select(func.max(OpeningRow.posted_at)))))
        days = (clock.today() - dt.timedelta(days=POSTED_DAYS_AGO) - newest).days
        _shift_dates(session, days)
    engine.dispose()
    log.info("copied the demo store to %s, dates moved %d days forward", home, days)
    return copy


@dataclass(frozen=True)
class DemoUsers:
    """One key per role in a demo copy, and the records their pages open."""

    keys: dict[str, str]
    participant: str  # the coach's participant with the most placements
    opening: str  # one of that participant's placements' openings
    employer: str  # the employer with the most openings
    employer_opening: str  # that employer's newest opening


def demo_users(settings: Settings) -> DemoUsers:
    """Users in the copy: a coach linked to the busiest coach record (so the start page is
    their caseload), the employer with the most openings, and a data scientist."""
    engine = get_engine(settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        coach_id, municipality = session.execute(
            select(ParticipantRow.coach_id, ParticipantRow.municipality_code)
            .where(ParticipantRow.coach_id.is_not(None))
            .group_by(ParticipantRow.coach_id, ParticipantRow.municipality_code)
            .order_by(func.count().desc(), ParticipantRow.coach_id)).first()  # type: ignore[misc]
        participant, opening = session.execute(
            select(PlacementRow.participant_id, func.max(PlacementRow.opening_id))
            .join(ParticipantRow, ParticipantRow.id == PlacementRow.participant_id)
            .join(OpeningRow, OpeningRow.id == PlacementRow.opening_id)
            .where(ParticipantRow.coach_id == coach_id,
                   OpeningRow.municipality_code == municipality)
            .group_by(PlacementRow.participant_id)
            .order_by(func.count().desc(), PlacementRow.participant_id)).first()  # type: ignore[misc]
        employer = session.execute(
            select(EmployerRow.id).join(OpeningRow, OpeningRow.employer_id == EmployerRow.id)
            .group_by(EmployerRow.id).order_by(func.count().desc(), EmployerRow.id)).scalars().first()
        employer_opening = session.scalars(
            select(OpeningRow.id).where(OpeningRow.employer_id == employer)
            .order_by(OpeningRow.posted_at.desc(), OpeningRow.id)).first()
        keys = {
            "coach": create_user(session, "demo coach", Role.COACH,
                                 municipality_code=municipality, coach_id=coach_id)[1],
            "employer": create_user(session, "demo employer", Role.EMPLOYER,
                                    employer_id=employer)[1],
            "data_scientist": create_user(session, "demo data scientist",
                                          Role.DATA_SCIENTIST)[1],
        }
    engine.dispose()
    return DemoUsers(keys, str(participant), str(opening), str(employer), str(employer_opening))
