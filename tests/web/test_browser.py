"""End to end in real headless Chromium against a live server on a small seeded store.

Debian's ``chromium`` is driven by Playwright (its own browser download does not work
offline); without a chromium binary these tests skip. One server and one browser serve the
module; each test gets a fresh browser context, so sessions never leak between tests.

Every page is checked at a phone's width (390 px) and a laptop's (1366 px) for horizontal
overflow, and with axe-core (npm, installed by ``make browser`` into var/axe) for serious or
critical accessibility violations; without axe-core those checks skip and say so.
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

from matcher.store.models import OpeningRow, PlacementEventRow, PlacementRow
from serving.app import create_app
from serving.web.live import running, wait_for
from tests.web.conftest import seed_web_world

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")

LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 15_000
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1366)
#: Every page of each role, as a person reaches it (the world of tests/web/conftest.py).
PAGES: dict[str, tuple[str, ...]] = {
    "my_coach": ("/web/coach", "/web/coach?mine=0&q=a", "/web/coach/participants/p1",
                 "/web/coach/participants/p3", "/web/coach/participants/p1/why-not?opening_id=o2",
                 "/web/coach/participants/p3/why-not?opening_id=o1",  # a near miss's verdicts
                 "/web/coach/openings/o-cook?participant=p1",
                 "/web/coach/participants/p3/handout/o-cook?needs=1",
                 "/web/coach/allocation", "/web/coach/participants/nobody"),
    "employer": ("/web/employer", "/web/employer/openings/new", "/web/employer/openings/o1/edit",
                 "/web/employer/openings/o1/candidates"),
    "data_scientist": ("/web/models", "/web/reports/fairness", "/web/reports/followup"),
}


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
    settings, keys = seed_web_world(tmp_path_factory.mktemp("live_home"))
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
    page.locator("table.caseload").get_by_role("link", name="Amina Hassan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amina Hassan")
    first = page.locator("li.suggestion").first
    expect(first.locator(".reasons li").first).to_be_visible()
    assert first.locator(".reasons li").count() >= 3
    expect(first).to_contain_text("Bageriet AB")  # a card a coach can act on
    expect(first.get_by_role("link", name=re.compile("^Visa på karta"))).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=55\.6"))
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


def overflow(page: Any) -> int:
    """How many pixels the document is wider than the window (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as ``rule: target`` lines."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {node['target']}" for v in found["violations"]
            if v["impact"] in ("serious", "critical") for node in v["nodes"]]


def pdf_pages(page: Any) -> int:
    """The pages the document prints to on A4 (Chromium's print path, as "save as PDF")."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", page.pdf(format="A4")))


def looked_over(page: Any, width: int) -> list[str]:
    """What is wrong with the page as it stands: sideways scrolling at ``width`` px, and
    axe-core's serious or critical violations (when axe is installed)."""
    found = [f"{overflow(page)} px too wide at {width} px"] if overflow(page) > 0 else []
    if AXE.is_file():
        found += serious_violations(page)
    return [f"{page.url}: {problem}" for problem in found]


def test_a_coachs_day_from_the_dashboard_to_a_printed_handout(browser: Any, live: Live) -> None:
    """Dashboard → participant → near miss → accept → handout (print preview), on a phone,
    every page checked for sideways scrolling and with axe. Yonas (p3) needs no heavy lifting:
    the bakery's openings lack only that, so they are near misses, never suggestions."""
    from playwright.sync_api import expect

    width = 390
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE",
                                  bypass_csp=True)  # axe is injected (see the axe test)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []

    sign_in(page, live, "my_coach", "/web/coach")
    expect(page.locator(".todo-follow_ups")).to_contain_text("Yonas Tesfaye")
    problems += looked_over(page, width)
    page.locator("table.caseload").get_by_role("link", name="Yonas Tesfaye").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Yonas Tesfaye")
    problems += looked_over(page, width)

    # the near-miss list: its own region, naming what is missing and what to do
    near = page.get_by_role("region", name="Nästan: en sak saknas")
    accept = re.compile("^Acceptera förslaget")
    miss = near.locator("li.near-miss", has=page.get_by_role("button", name=accept)).first
    miss.scroll_into_view_if_needed()
    expect(miss.locator(".gap")).to_have_text("Nästan: saknar inga tunga lyft")
    expect(miss.locator(".step")).to_contain_text("Fråga arbetsgivaren om de kan ordna inga tunga lyft")
    opening_id = miss.get_attribute("data-opening")
    title = miss.locator("h3").inner_text()
    assert page.locator("li.suggestion", has_text=title).count() == 0  # never a suggestion

    # act on it as a coach would: every requirement (the one that fails), then the opening
    # with the employer to ask, and back
    miss.get_by_role("link", name=re.compile("^Visa alla krav")).click()
    expect(page.locator("td.fail")).to_have_count(1)
    expect(page.get_by_role("row", name=re.compile("^Anpassningar"))).to_contain_text(
        "inga tunga lyft")
    problems += looked_over(page, width)
    page.go_back()
    near.locator(f"#near-{opening_id}").get_by_role("link", name=re.compile("^Allt om annonsen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text("Bageriet AB")
    problems += looked_over(page, width)
    page.get_by_role("link", name="Tillbaka till Yonas Tesfaye").click()

    # the employer can arrange it: accept
    near.locator(f"#near-{opening_id}").get_by_role("button", name=accept).click()
    expect(page.locator("#status")).to_contain_text("Förslaget är accepterat")
    assert page.evaluate("document.activeElement.id") == "status"  # not <body>
    expect(near.locator(f"#near-{opening_id} .recorded")).to_contain_text("accepterad")
    assert live.count(PlacementRow, PlacementRow.participant_id == "p3",
                      PlacementRow.opening_id == opening_id, PlacementRow.status == "accepted") == 1
    problems += looked_over(page, width)

    # the handout of the accepted placement, as it prints
    row = page.locator("#placements tr", has_text=title)
    row.get_by_role("link", name=re.compile("^Informationsblad att skriva ut")).click()
    expect(page.get_by_role("heading", name="Praktik hos Bageriet AB")).to_be_visible()
    problems += looked_over(page, width)
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("form").first.is_hidden()
    handout = page.locator("article.handout")
    for expected in handout_lines(live, "p3", opening_id):  # type: ignore[arg-type]
        expect(handout).to_contain_text(expected)
    for health in ("inga tunga lyft", "handledare", "hörselnedsättning"):
        expect(handout).not_to_contain_text(health)  # needs only when the coach ticks them
    assert pdf_pages(page) == 1  # one A4 sheet to hand over

    page.emulate_media(media="screen")
    page.get_by_label("Ta med deltagarens behov av anpassning").check()
    page.get_by_role("button", name="Visa bladet").click()
    page.emulate_media(media="print")
    expect(handout).to_contain_text("inga tunga lyft")
    expect(handout).to_contain_text("hörselnedsättning")
    context.close()
    assert problems == []


def handout_lines(live: Live, participant_id: str, opening_id: str) -> list[str]:
    """What the issue asks a handout to say, worded as the catalogue words it: the employer,
    the address, when, the travel time and what to bring."""
    from matcher.domain import Opening, Participant
    from matcher.store.repositories import get_record
    from platsa.i18n import renderer
    from serving.web.coach import travel_minutes

    say = renderer("sv")
    with Session(live.app.state.engine) as session:
        person = get_record(session, Participant, participant_id)
        opening = get_record(session, Opening, opening_id)
    return ["Bageriet AB", "Malmö", say("handout.period", start=opening.start_date, end=opening.end_date),
            say("handout.travel", minutes=travel_minutes(person, opening)), say("handout.bring"),
            say("handout.bring.id"), say("handout.bring.sfi")]


def test_a_printed_profile_is_short_and_leaves_out_health_data(page: Any, live: Live) -> None:
    sign_in(page, live, "my_coach", "/web/coach/participants/p3")
    page.emulate_media(media="print")
    assert page.get_by_text("hörselnedsättning").is_hidden()
    assert page.locator("#suggestions-heading").is_hidden()
    assert pdf_pages(page) <= 2


def test_an_employer_who_searches_the_picker_twice_publishes_the_second_choice(
        page: Any, live: Live) -> None:
    from playwright.sync_api import expect

    sign_in(page, live, "employer", "/web/employer/openings/new")
    page.get_by_label("Rubrik").fill("Kock i Malmö")
    search = page.get_by_label("Sök yrke på titel")
    search.fill("bagare")
    expect(page.locator("#occupation_id")).to_have_value("occ-baker")
    search.fill("kock")
    expect(page.locator("#occupation-status")).to_contain_text("Valt yrke: Kock")
    expect(page.locator("#occupation_id")).to_have_value("occ-cook")
    page.get_by_role("button", name="Publicera annonsen").click()
    expect(page.locator("#status")).to_contain_text("Annonsen är publicerad")
    assert live.count(OpeningRow, OpeningRow.title == "Kock i Malmö",
                      OpeningRow.occupation_id == "occ-cook") == 1


@pytest.mark.parametrize("user", sorted(PAGES))
def test_every_page_fits_a_phone_and_a_laptop_without_sideways_scrolling(
        browser: Any, live: Live, user: str) -> None:
    wide: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        sign_in(page, live, user, PAGES[user][0])
        for path in PAGES[user]:
            page.goto(live.url + path)
            if overflow(page) > 0:
                wide.append(f"{path} at {width} px: {overflow(page)} px too wide")
        context.close()
    assert wide == []


@pytest.mark.skipif(not AXE.is_file(), reason=f"no axe-core at {AXE} (make browser installs it "
                    "with npm; without npm the accessibility checks skip)")
@pytest.mark.parametrize("user", sorted(PAGES))
def test_axe_finds_no_serious_violation_on_any_page(browser: Any, live: Live, user: str) -> None:
    # axe is injected as a script of its own; the pages' CSP would refuse it, so it is
    # bypassed for this context only (the pages themselves load nothing inline).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE",
                                  bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    found: list[str] = []
    sign_in(page, live, user, PAGES[user][0])
    for path in (*PAGES[user], "/web/lang/en?next=" + PAGES[user][0]):
        page.goto(live.url + path)
        found += [f"{path} {line}" for line in serious_violations(page)]
    page.goto(live.url + "/web/lang/sv")
    context.close()
    assert found == []


def test_the_sign_in_page_passes_axe_and_fits_a_phone(browser: Any, live: Live) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(live.url + "/web/login")
    assert overflow(page) <= 0
    if AXE.is_file():
        assert serious_violations(page) == []
    context.close()
