"""Screenshots of the coach, employer and data scientist views for the README.

Run after ``make demo`` (it reads that installation's store and model registry)::

    .venv/bin/python docs/screenshots.py            # writes docs/screenshots/*.png

The demo's store is never changed: the script works on a copy dated today with one user per
role (:func:`serving.web.live.dated_demo_copy`, :func:`~serving.web.live.demo_users`), serves
the app from the copy with the demo's champion, and drives Debian's Chromium through the
coach's day (start page, a participant's suggestions, a handout), a phone's view of the
start page, and the employer's and data scientist's views.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.domain import Participant
from matcher.store.models import ParticipantRow
from matcher.store.repositories import get_record
from platsa.services.security import key_digest
from platsa.settings import Settings
from serving.app import create_app
from serving.tables import ApiKeyRow, UserRow
from serving.web.live import dated_demo_copy, demo_users, running

log = logging.getLogger("screenshots")

OUT = Path(__file__).resolve().parent / "screenshots"
HEIGHT = 1100
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run"]


@contextmanager
def _browser(executable: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _shoot(browser: Any, url: str, key: str, path: str, out: Path, width: int) -> None:
    """Sign in with ``key``, open ``path`` and save the visible page to ``out`` (scrolled to
    the element a ``#fragment`` names)."""
    context = browser.new_context(viewport={"width": width, "height": HEIGHT}, locale="sv-SE")
    page = context.new_page()
    path, _, fragment = path.partition("#")
    page.goto(f"{url}/web/login?next={path}")
    page.locator("#api_key").fill(key)  # the sign-in key, whatever its label says
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{url}{path}")
    page.wait_for_load_state("networkidle")
    if fragment:
        page.locator(f"#{fragment}").evaluate("element => element.scrollIntoView()")
    page.screenshot(path=str(out))
    context.close()
    log.info("wrote %s (%d KB)", out, out.stat().st_size // 1024)


#: (file, user, path, viewport width) of each screenshot; ``{participant}`` is one of the
#: coach's participants with suggestions, ``{opening}`` the first of them.
SHOTS = (
    ("coach_day.png", "coach", "/web/coach", 1280),
    ("coach.png", "coach", "/web/coach/participants/{participant}#suggestions-heading", 1280),
    ("handout.png", "coach", "/web/coach/participants/{participant}/handout/{opening}", 1280),
    ("coach_phone.png", "coach", "/web/coach", 390),
    ("employer.png", "employer", "/web/employer", 1280),
    ("data_scientist.png", "data_scientist", "/web/reports/fairness", 1280),
)


def _suggested(app: Any, participants: list[str]) -> tuple[str, str]:
    """The first of ``participants`` with at least three suggestions, and their first one,
    so the coach's pictures show cards and a handout of an opening that is open today."""
    recommender = app.state.matching.recommender
    with Session(app.state.engine) as session:
        for participant_id in participants:
            found = recommender.suggest_openings(get_record(session, Participant, participant_id),
                                                 k=3)
            if len(found.items) >= 3:
                return participant_id, found.items[0].opening_id
    raise LookupError("no participant of the demo coach has three suggestions")


def _caseload(app: Any, key: str) -> list[str]:
    """The participants of the coach whose key is ``key`` (their coach record's), by id."""
    with Session(app.state.engine) as session:
        coach_id = session.scalar(select(UserRow.coach_id).join(ApiKeyRow).where(
            ApiKeyRow.digest == key_digest(key)))
        return list(session.scalars(select(ParticipantRow.id).where(
            ParticipantRow.coach_id == coach_id).order_by(ParticipantRow.id)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
                        help="the Chromium binary to drive")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="platsa-screens-") as folder:
        settings = dated_demo_copy(Settings(), Path(folder))
        users = demo_users(settings)
        app = create_app(settings)
        with running(app, start_seconds=300) as url, _browser(args.chromium) as browser:
            participant, opening = _suggested(app, _caseload(app, users.keys["coach"]))
            for name, user, path, width in SHOTS:
                _shoot(browser, url, users.keys[user],
                       path.format(participant=participant, opening=opening),
                       args.out / name, width)


if __name__ == "__main__":
    main()
