"""Data scientists' pages: models, the fairness report (or why there is none), the
follow-up with its plot; no personal data anywhere."""

from __future__ import annotations

import re

from platsa.services import reports
from tests.web.conftest import Web

# The form's random CSRF token may spell "p1" by chance: it is not data.
CSRF_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')


def test_models_page_names_the_serving_rule_when_nothing_is_registered(web: Web) -> None:
    web.login("data_scientist")
    html = web.client.get("/web/models").text
    assert "I drift: rule-v1 (rule, källa rule)" in html
    assert "Inga registrerade versioner ännu" in html


def test_fairness_page_says_why_the_rule_has_no_report(web: Web) -> None:
    web.login("data_scientist")
    html = web.client.get("/web/reports/fairness").text
    assert "ingen rättviserapport" in html and "rule-v1" in html
    assert web.client.get("/web/reports/fairness/coach.png").status_code == 404


def test_followup_table_by_chosen_dimensions_and_its_plot(web: Web) -> None:
    web.login("data_scientist")
    html = web.client.get("/web/reports/followup?by=gender&by=municipality&period=year").text
    assert "Uppföljning per kön, kommun" in html
    assert '<th scope="row">woman</th><th scope="row">1280</th>' in html
    assert 'value="municipality" checked' in html and 'value="year" selected' in html
    shown = CSRF_TOKEN.sub("", html)
    assert not any(pid in shown for pid in ("p1", "p2", "p3", "p-lund"))
    plot = web.client.get("/web/reports/followup.png?period=year")
    assert plot.headers["content-type"] == "image/png"
    assert plot.content.startswith(b"\x89PNG") and len(plot.content) > 10_000


def test_the_followup_is_remembered_only_until_what_it_rests_on_changes(web: Web) -> None:
    """pl-done (p3, completed 95 days ago) has no outcome until the coach records one."""
    engine = web.client.app.state.engine  # type: ignore[attr-defined]
    before = reports.followup(engine, ["gender"], "year", 1)
    assert reports.followup(engine, ["gender"], "year", 1) is before  # asked again: remembered
    recorded = web.client.post("/placements/pl-done/outcome", json={"outcome_90": "work"},
                               headers={"X-API-Key": web.keys["coach"]})
    assert recorded.status_code == 200
    after = reports.followup(engine, ["gender"], "year", 1)
    assert int(after["work"].sum()) == int(before["work"].sum()) + 1
