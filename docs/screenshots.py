"""Screenshots of the coach, employer and data scientist views for the README.

Run after ``make demo`` (it reads that installation's store and model registry)::

    .venv/bin/python docs/screenshots.py            # writes docs/screenshots/*.png

The demo's store is never changed: the script copies its SQLite database into a temporary
home, moves every date in the copy forward so the generated history ends today (the demo
history ends on a fixed date, and openings that ended long ago are not suggested), adds one
user per role there, serves the app from the copy with the demo's champion, and drives
Debian's Chromium through the three views.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from matcher.flat import ColumnType, Kind, columns
from matcher.store.engine import get_engine, session_scope
from matcher.store.models import EmployerRow, OpeningRow, ParticipantRow, PlacementEventRow
from platsa.services.security import Role
from platsa.settings import Settings
from serving.accounts import create_user
from serving.app import create_app
from serving.web.live import running
from serving.web.queries import TABLES

log = logging.getLogger("screenshots")

OUT = Path(__file__).resolve().parent / "screenshots"
VIEWPORT = {"width": 1280, "height": 1100}
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run"]
#: Days between the newest opening's posting and "today" in the copy.
POSTED_DAYS_AGO = 3


class NoDemoError(FileNotFoundError):
    """The installation has no embedded demo store to photograph."""


def _shift_dates(session: Session, days: int) -> None:
    """Move every date of the copy ``days`` forward (SQLite date arithmetic; NULL stays NULL)."""
    shift = f"+{days} days"
    for kind in (Kind.PARTICIPANTS, Kind.OPENINGS, Kind.PLACEMENTS):
        table = TABLES[kind]
        for column in columns(kind):
            if column.type is ColumnType.DATE:
                stored = table.c[column.name]
                session.execute(update(table).values({stored: func.date(stored, shift)}))
    session.execute(update(PlacementEventRow).values(
        changed_on=func.date(PlacementEventRow.changed_on, shift)))


def _copy(demo: Settings, home: Path) -> Settings:
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
        days = (dt.date.today() - dt.timedelta(days=POSTED_DAYS_AGO) - newest).days
        _shift_dates(session, days)
    engine.dispose()
    log.info("copied the demo store to %s, dates moved %d days forward", home, days)
    return copy


def _users(settings: Settings) -> tuple[dict[str, str], str, str]:
    """One key per role in the copy, the busiest municipality's first participant, and the
    employer with the most openings."""
    engine = get_engine(settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        municipality = session.execute(
            select(ParticipantRow.municipality_code).group_by(ParticipantRow.municipality_code)
            .order_by(func.count().desc())).scalars().first()
        participant = session.scalars(select(ParticipantRow.id).where(
            ParticipantRow.municipality_code == municipality).order_by(ParticipantRow.id)).first()
        employer = session.execute(
            select(EmployerRow.id).join(OpeningRow, OpeningRow.employer_id == EmployerRow.id)
            .group_by(EmployerRow.id).order_by(func.count().desc())).scalars().first()
        keys = {name: create_user(session, f"screenshots {name}", role,
                                  municipality_code=municipality if role is Role.COACH else None,
                                  employer_id=employer if role is Role.EMPLOYER else None)[1]
                for name, role in (("coach", Role.COACH), ("employer", Role.EMPLOYER),
                                   ("data_scientist", Role.DATA_SCIENTIST))}
    engine.dispose()
    return keys, str(participant), str(employer)


@contextmanager
def _browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _shoot(browser: Any, url: str, key: str, path: str, out: Path) -> None:
    """Sign in with ``key``, open ``path`` and save the visible page to ``out``."""
    context = browser.new_context(viewport=VIEWPORT, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{url}/web/login?next={path}")
    page.get_by_label("API-nyckel").fill(key)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{url}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out))
    context.close()
    log.info("wrote %s (%d KB)", out, out.stat().st_size // 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
                        help="the Chromium binary to drive")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="platsa-screens-") as folder:
        settings = _copy(Settings(), Path(folder))
        keys, participant, _ = _users(settings)
        with running(create_app(settings), start_seconds=300) as url, _browser(args.chromium) as browser:
            _shoot(browser, url, keys["coach"], f"/web/coach/participants/{participant}",
                   args.out / "coach.png")
            _shoot(browser, url, keys["employer"], "/web/employer", args.out / "employer.png")
            _shoot(browser, url, keys["data_scientist"], "/web/reports/fairness",
                   args.out / "data_scientist.png")


if __name__ == "__main__":
    main()
