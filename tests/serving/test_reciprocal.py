"""``?reciprocal=true`` on suggestions and candidate lists, through the real app, and the CLI's
``--reciprocal`` giving the same answer.

The test programme plus employers' answers: the bakery ``e1`` said yes twice (o-cook
completed, o-last offered), the warehouse ``e2`` said no twice (``employer_declined``,
``language``). Without a champion the employers' smoothed yes rates estimate acceptance:
prior 2/4, e1 (2 + 5)/(2 + 10) = 0.5833, e2 (0 + 5)/(2 + 10) = 0.4167.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher.store.engine import init_db, session_scope
from matcher.store.repositories import add_record
from serving.app import create_app
from tests.matcher.store.factories import placement
from tests.serving.conftest import TODAY, World, seed_world, without_acceptance

E1, E2 = 7 / 12, 5 / 12
PLAIN_ITEM = {"opening_id", "rank", "score", "title", "occupation_id", "occupation_label",
              "municipality_code", "kind", "commute_minutes", "reasons", "missing",
              "reason_codes", "missing_codes", "rests_on", "needs_no_experience"}


def answers() -> list[object]:
    earlier = TODAY - dt.timedelta(days=60)
    return [
        placement(id="pl-offer", participant_id="p2", opening_id="o-last", status="offered",
                  created_at=earlier),
        placement(id="pl-no", participant_id="p-lund", opening_id="o2", status="declined",
                  decline_reason="employer_declined", created_at=earlier),
        placement(id="pl-lang", participant_id="p3", opening_id="o2", status="declined",
                  decline_reason="language", created_at=earlier),
    ]


def answered_world(home: Path, **overrides: object) -> tuple[object, dict[str, str]]:
    settings, keys = seed_world(home, **overrides)
    engine = init_db(settings.paths.resolved_database_url)
    with session_scope(engine) as session:
        for record in answers():
            add_record(session, record)  # type: ignore[arg-type]
    engine.dispose()
    return settings, keys


@pytest.fixture
def answered(platsa_home: Path) -> Iterator[World]:
    settings, keys = answered_world(platsa_home)
    with TestClient(create_app(settings)) as client:
        yield World(client=client, settings=settings, keys=keys)


def _get(world: World, path: str, user: str = "coach", status: int = 200) -> dict:
    response = world.client.get(path, headers=world.headers(user))
    assert response.status_code == status, response.text
    return response.json()


# --------------------------------------------------------------------------- suggestions


def test_reciprocal_suggestions_carry_acceptance_and_are_ordered_by_the_product(answered: World):
    answer = _get(answered, "/participants/p-lund/suggestions?reciprocal=true", "coach_lund")
    assert (answer["reciprocal"], answer["acceptance_source"]) == (True, "employer_rate")
    by_id = {item["opening_id"]: item for item in answer["items"]}
    assert by_id["o2"]["acceptance"] == pytest.approx(E2, abs=1e-4)
    assert "Arbetsgivaren tackar kanske ja (ca 40\xa0%)" in by_id["o2"]["missing"]  # under half
    assert {"code": "answer.maybe_yes", "params": {"share": 0.4}} in by_id["o2"]["missing_codes"]
    products = [item["reciprocal_score"] for item in answer["items"]]
    assert products == sorted(products, reverse=True)
    english = _get(answered, "/participants/p1/suggestions?reciprocal=true&lang=en")
    assert any(line.startswith("The employer may say yes (about 60%)")
               for line in english["items"][0]["reasons"])


def test_plain_suggestions_are_what_they_were(answered: World):
    plain = _get(answered, "/participants/p1/suggestions")
    assert _get(answered, "/participants/p1/suggestions?reciprocal=false") == plain
    assert plain["reciprocal"] is False and "acceptance_source" not in plain
    assert all(set(item) == PLAIN_ITEM for item in plain["items"])


def test_the_audit_records_the_acceptance_shown(answered: World):
    _get(answered, "/participants/p1/suggestions?reciprocal=true")
    entries = _get(answered, "/audit?participant_id=p1&action=suggestions.read", "admin")
    assert all("acceptance" in shown for shown in entries[0]["shown"])


def test_reciprocal_before_any_employer_answered_is_a_conflict(answered: World):
    without_acceptance(answered.app.state.matching)  # as with no answers in the store
    detail = _get(answered, "/participants/p1/suggestions?reciprocal=true", status=409)["detail"]
    assert "no placement has reached an employer's yes or no" in detail
    assert _get(answered, "/openings/o1/candidates?reciprocal=true", "employer", 409)
    assert _get(answered, "/participants/p1/suggestions")["items"]  # plain answers still work


def test_a_bad_reciprocal_value_is_refused(answered: World):
    _get(answered, "/participants/p1/suggestions?reciprocal=maybe", status=422)


# --------------------------------------------------------------------------- candidates


def test_employers_see_pseudonyms_with_acceptance(answered: World):
    plain = _get(answered, "/openings/o1/candidates", "employer")
    both = _get(answered, "/openings/o1/candidates?reciprocal=true", "employer")
    assert (both["reciprocal"], both["acceptance_source"], plain["reciprocal"]) == (
        True, "employer_rate", False)
    assert "acceptance_source" not in plain
    assert both["items"] and all(item["participant_id"] is None for item in both["items"])
    assert all(item["acceptance"] == pytest.approx(E1, abs=1e-4) for item in both["items"])
    assert all("acceptance" not in item and "reciprocal_score" not in item for item in plain["items"])
    assert {i["pseudonym"] for i in both["items"]} == {i["pseudonym"] for i in plain["items"]}


def test_openapi_documents_the_reciprocal_fields(answered: World):
    schema = answered.client.get("/openapi.json").json()
    parameters = {p["name"]: p for p in
                  schema["paths"]["/participants/{participant_id}/suggestions"]["get"]["parameters"]}
    assert "employer says yes" in parameters["reciprocal"]["description"]
    assert "reciprocal" in {p["name"] for p in
                            schema["paths"]["/openings/{opening_id}/candidates"]["get"]["parameters"]}
    components = schema["components"]["schemas"]
    for model, field in (("SuggestionPublic", "acceptance"), ("SuggestionsPublic", "acceptance_source"),
                         ("CandidatePublic", "acceptance"), ("CandidatesPublic", "reciprocal")):
        assert components[model]["properties"][field]["description"], (model, field)


# --------------------------------------------------------------------------- the champion's model


def acceptance_file(folder: Path) -> Path:
    """An acceptance model fitted on planted rows (a yes likelier with more Swedish)."""
    from matcher.features import FEATURES
    from models.acceptance import AcceptanceModel, write_acceptance
    from tests.models.test_acceptance import planted

    X, y = planted()
    folder.mkdir(parents=True, exist_ok=True)
    return write_acceptance(AcceptanceModel().fit(X, y, feature_names=list(FEATURES)), folder)


@pytest.mark.parametrize("ships_one", [True, False])
def test_the_champions_acceptance_model_serves_when_it_has_one(platsa_home: Path, tmp_path: Path,
                                                               ships_one: bool):
    from tests.serving.test_models import booster, register

    registry = f"sqlite:///{tmp_path / 'mlflow.db'}"
    extra = {"acceptance": acceptance_file(tmp_path / "a")} if ships_one else {}
    register(registry, booster(seed=1), tmp_path / "v", artifacts=extra)
    settings, keys = answered_world(platsa_home, mlflow_tracking_uri=registry)
    with TestClient(create_app(settings)) as client:
        world = World(client=client, settings=settings, keys=keys)
        assert _get(world, "/models/current")["acceptance_model"] is ships_one
        answer = _get(world, "/participants/p1/suggestions?reciprocal=true")
        assert answer["ranker"] == "lightgbm"
        assert answer["acceptance_source"] == ("model" if ships_one else "employer_rate")


# --------------------------------------------------------------------------- the CLI


def test_the_cli_answers_as_the_api_does(answered: World, monkeypatch: pytest.MonkeyPatch):
    from tests.training.test_cli import run, without_sentence_model

    without_sentence_model(monkeypatch)
    code, output = run("suggest", "p1", "--reciprocal", "--json", "-k", "10")
    assert code == 0, output
    cli = json.loads(output)
    api = _get(answered, "/participants/p1/suggestions?reciprocal=true&k=10")
    assert cli["items"] == api["items"] and cli["items"]
    assert (cli["reciprocal"], cli["acceptance_source"]) == (api["reciprocal"], api["acceptance_source"])

    code, output = run("candidates", "o1", "--reciprocal", "--json")
    assert code == 0, output
    cli = json.loads(output)
    api = _get(answered, "/openings/o1/candidates?reciprocal=true", "admin")
    keys = ("participant_id", "rank", "score", "acceptance", "reciprocal_score")
    assert [[item[key] for key in keys] for item in cli["items"]] == \
        [[item[key] for key in keys] for item in api["items"]]
    assert cli["acceptance_source"] == api["acceptance_source"] == "employer_rate"

    code, output = run("suggest", "p1", "--reciprocal")
    assert code == 0 and "acceptance from employer_rate" in output and "acceptance 0.58" in output


def test_the_cli_words_reasons_in_the_language_asked_for(answered: World,
                                                         monkeypatch: pytest.MonkeyPatch):
    from tests.training.test_cli import run, without_sentence_model

    without_sentence_model(monkeypatch)
    english = _get(answered, "/participants/p1/suggestions?reciprocal=true&lang=en")
    code, output = run("suggest", "p1", "--reciprocal", "--lang", "en")
    assert code == 0, output
    assert f"       + {english['items'][0]['reasons'][0]}" in output.splitlines()
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert run("suggest", "p1", "--reciprocal")[1] == output  # from LANG
    swedish = run("suggest", "p1", "--reciprocal", "--lang", "sv")[1]
    assert "Arbetsgivaren tackar" in swedish and "The employer" not in swedish
