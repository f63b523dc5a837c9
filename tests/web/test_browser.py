"""End to end in real headless Chromium against a live server on a small seeded store.

Debian's ``chromium`` is driven by Playwright (its own browser download does not work
offline); without a chromium binary these tests skip. One server and one browser serve the
module; each test gets a fresh browser context, so sessions never leak between tests.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.store.models import PlacementEventRow, PlacementRow
from serving.app import create_app
from serving.web.live import running, wait_for
from tests.serving.conftest import seed_world

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")

LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 15_000


@dataclass
class Live:
    """The running server: its address, the app (to look into the store) and the keys."""

    url: str
    app: Any
    keys: dict[str, str]

    def count(self, row_type: type, *where: object) -> int:
        with Session(self.app.state.engine) as session:
            return int(session.scalar(select(func.count()).select_from(row_type).where(*where)))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    settings, keys = seed_world(tmp_path_factory.mktemp("live_home"))
    app = create_app(settings)
    with running(app) as url:
        yield Live(url=url, app=app, keys=keys)


@pytest.fixture(scope="module")
def browser(live: Live) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def sign_in(page: Any, live: Live, user: str, start: str) -> None:
    """Open ``start``, get sent to the sign-in form, sign in and come back to ``start``."""
    page.goto(live.url + start)
    page.get_by_label("Inloggningsnyckel").fill(live.keys[user])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(live.url + start)


def test_a_coach_opens_a_participant_sees_reasons_and_accepts_a_suggestion(page: Any, live: Live) -> None:
    from playwright.sync_api import expect

    sign_in(page, live, "coach", "/web/coach")
    page.get_by_role("link", name="p1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deltagare p1")
    first = page.locator("li.suggestion").first
    expect(first.locator(".reasons li").first).to_be_visible()
    assert first.locator(".reasons li").count() >= 3
    opening_id = first.get_attribute("data-opening")
    first.get_by_role("button", name=re.compile("^Acceptera förslaget")).click()
    expect(page.locator("#status")).to_contain_text("Förslaget är accepterat")
    assert live.count(PlacementRow, PlacementRow.participant_id == "p1",
                      PlacementRow.opening_id == opening_id, PlacementRow.status == "accepted") == 1
    assert live.count(PlacementEventRow, PlacementEventRow.to_status == "accepted") >= 1


def test_an_opening_an_employer_posts_appears_in_a_matching_participants_suggestions(
        page: Any, live: Live) -> None:
    from playwright.sync_api import expect

    sign_in(page, live, "employer", "/web/employer/openings/new")
    page.get_by_label("Rubrik").fill("Frukostbagare i Malmö")
    page.get_by_label("Sök yrke på titel").fill("bagare")  # the script searches while typing
    expect(page.locator("#occupation-status")).to_contain_text("hittades")
    page.locator("#occupation_id").select_option("occ-baker")
    page.locator("#schedule").select_option("mornings")
    page.get_by_label("arbetstider som går ihop med sfi").check()
    page.get_by_role("button", name="Publicera annonsen").click()
    expect(page.locator("#status")).to_contain_text("Annonsen är publicerad")
    row = page.locator("tr", has_text="Frukostbagare i Malmö")
    opening_id = re.search(r"o-[0-9a-f]+", row.locator("code").inner_text()).group(0)  # type: ignore[union-attr]
    matching = live.app.state.matching
    wait_for(lambda: opening_id in matching.recommender.index.row_of, 20, "re-indexing the new opening")

    coach = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    coach_page = coach.new_page()
    sign_in(coach_page, live, "coach", "/web/coach/participants/p1")
    expect(coach_page.locator(f"#suggestion-{opening_id}")).to_contain_text("Frukostbagare i Malmö")
    coach.close()


def test_a_page_renders_to_a_non_blank_screenshot(page: Any, live: Live, tmp_path: Path) -> None:
    from PIL import Image

    sign_in(page, live, "coach", "/web/coach/participants/p3")
    path = tmp_path / "participant.png"
    page.screenshot(path=str(path), full_page=True)
    image = Image.open(io.BytesIO(path.read_bytes())).convert("RGB")
    width, height = image.size
    assert width == 1280 and 900 <= height <= 20_000
    colours = image.getcolors(maxcolors=1 << 20) or []
    most = max(count for count, _ in colours)
    assert len(colours) > 50 and most / (width * height) < 0.95  # text and layout, not a blank


def test_the_keyboard_reaches_the_content_through_the_skip_link(page: Any, live: Live) -> None:
    sign_in(page, live, "coach", "/web/coach")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
