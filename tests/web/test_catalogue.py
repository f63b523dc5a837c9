"""The sv/en catalogue is complete, and validation errors land on the right form field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from matcher.domain import Opening
from serving.web.forms import FORM, field_errors
from serving.web.i18n import CATALOGUE, translator

TEMPLATES = Path(__file__).resolve().parents[2] / "serving" / "web" / "templates"
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def test_both_languages_have_the_same_keys() -> None:
    assert set(CATALOGUE["sv"]) == set(CATALOGUE["en"])


def test_every_key_a_template_names_exists() -> None:
    named = {key for page in TEMPLATES.glob("*.html") for key in LITERAL_KEY.findall(page.read_text())}
    assert len(named) > 100
    assert named - set(CATALOGUE["sv"]) == set()


def test_every_constraint_has_a_wording_in_both_languages() -> None:
    """The why-not page names each constraint through the catalogue, with no fallback."""
    from matcher.constraints import CONSTRAINTS

    for strings in CATALOGUE.values():
        assert {f"constraint.{c.name}" for c in CONSTRAINTS} <= set(strings)


def test_a_missing_key_is_an_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no 'en' wording for 'nope.key'"):
        translator("en")("nope.key")


def _errors(values: dict[str, object], lang: str = "sv") -> dict[str, str]:
    base = {"id": "o", "employer_id": "e", "municipality_code": "1280", "kind": "praktik",
            "title": "t", "posted_at": "2026-01-01", "location": {"lat": 55.6, "lon": 13.0}}
    with pytest.raises(ValidationError) as caught:
        Opening.model_validate({**base, **values})
    return field_errors(caught.value, ("title", "lat", "lon", "hours_min", "capacity"),
                        translator(lang), {"location": "lat"})  # type: ignore[arg-type]


def test_field_errors_follow_the_location_the_message_or_the_alias() -> None:
    assert _errors({"capacity": 0}) == {"capacity": "Måste vara minst 1."}
    assert _errors({"capacity": 0}, "en") == {"capacity": "Must be at least 1."}
    assert _errors({"hours_min": 50, "hours_max": 40}) == {
        "hours_min": "hours_min 50 is greater than hours_max 40"}
    assert _errors({"location": {"lat": "x", "lon": 13.0}}) == {"lat": "Ange ett tal (decimal med punkt)."}
    assert _errors({"location": {"lat": 55.0, "lon": 9.0}}) == {"lon": "Måste vara minst 10.0."}
    assert _errors({"location": None}) == {"lat": "Fältet måste fyllas i."}
    assert _errors({"end_date": "2026-01-01", "start_date": "2026-02-01"}) == {
        FORM: "end_date 2026-01-01 is before start_date 2026-02-01"}
