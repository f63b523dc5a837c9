"""Every message id a page names is in the catalogue, and validation errors land, worded, on
their form field: all of them at once, cross-field rules included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from matcher.constraints import CONSTRAINTS
from matcher.domain import Opening
from platsa.i18n import LANGUAGES, renderer
from platsa.services.security import Role
from serving.errors import FIELD_MESSAGES
from serving.web.forms import field_errors
from serving.web.pages import MENU, NOTICES

TEMPLATES = Path(__file__).resolve().parents[2] / "serving" / "web" / "templates"
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def test_every_id_a_template_names_exists() -> None:
    named = {key for page in TEMPLATES.glob("*.html") for key in LITERAL_KEY.findall(page.read_text())}
    assert len(named) > 100
    for lang in LANGUAGES:
        assert {key for key in named if not renderer(lang).knows(key)} == set()


def test_every_id_the_page_code_builds_exists() -> None:
    built = ({f"constraint.{c.name}" for c in CONSTRAINTS} | {f"role.{r.value}" for r in Role}
             | {key for menu in MENU.values() for _, key in menu} | set(FIELD_MESSAGES.values())
             | {f"done.{n}" for n in NOTICES if n != "logged_out"} | {"logged_out"})
    for lang in LANGUAGES:
        assert {key for key in built if not renderer(lang).knows(key)} == set()


def _errors(values: dict[str, object], lang: str = "sv") -> dict[str, str]:
    base = {"id": "o", "employer_id": "e", "municipality_code": "1280", "kind": "praktik",
            "title": "t", "posted_at": "2026-01-01", "location": {"lat": 55.6, "lon": 13.0}}
    with pytest.raises(ValidationError) as caught:
        Opening.model_validate({**base, **values})
    return field_errors(caught.value, ("title", "lat", "lon", "hours_min", "capacity", "end_date"),
                        renderer(lang), {"location": "lat"})  # type: ignore[arg-type]


def test_field_errors_follow_the_location_or_the_alias() -> None:
    assert _errors({"capacity": 0}) == {"capacity": "Måste vara minst 1."}
    assert _errors({"capacity": 0}, "en") == {"capacity": "Must be at least 1."}
    assert _errors({"location": {"lat": "x", "lon": 13.0}}) == {
        "lat": "Ange ett tal, till exempel 55,6."}
    assert _errors({"location": {"lat": 55.0, "lon": 9.0}}) == {"lon": "Måste vara minst 10."}
    assert _errors({"location": None}) == {"lat": "Fältet måste fyllas i."}


def test_cross_field_rules_are_worded_at_their_field() -> None:
    assert _errors({"hours_min": 50, "hours_max": 40}) == {
        "hours_min": "Minsta antalet timmar (50) är fler än högsta (40)."}
    assert _errors({"hours_min": 50, "hours_max": 40}, "en") == {
        "hours_min": "The fewest hours (50) are more than the most hours (40)."}
    assert _errors({"end_date": "2026-01-01", "start_date": "2026-02-01"}) == {
        "end_date": "Slutdatumet (1 januari 2026) är före startdatumet (1 februari 2026)."}


def test_every_error_is_reported_at_once_cross_field_rules_with_the_others() -> None:
    """Today's form once answered "hours_min 40 is greater than hours_max 20" only after the
    other errors were fixed."""
    assert _errors({"title": "", "capacity": 0, "hours_min": 40, "hours_max": 20,
                    "end_date": "2026-01-01", "start_date": "2026-02-01"}) == {
        "title": "Fältet måste fyllas i.",
        "capacity": "Måste vara minst 1.",
        "hours_min": "Minsta antalet timmar (40) är fler än högsta (20).",
        "end_date": "Slutdatumet (1 januari 2026) är före startdatumet (1 februari 2026).",
    }
