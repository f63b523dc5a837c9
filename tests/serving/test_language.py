"""The API words reasons, verdicts and errors in the language asked for (``?lang=``, else
``Accept-Language``, else Swedish) and always gives the codes beside the words."""

from __future__ import annotations

from platsa.i18n import renderer
from tests.serving.conftest import World


def _get(world: World, path: str, **headers: str) -> dict:
    response = world.client.get(path, headers={**world.headers("coach"), **headers})
    assert response.status_code == 200, response.text
    return response.json()


def test_suggestions_carry_codes_and_their_wording_in_the_language_asked_for(world: World) -> None:
    swedish = _get(world, "/participants/p1/suggestions")
    english = _get(world, "/participants/p1/suggestions", **{"Accept-Language": "en-GB,en;q=0.8"})
    chosen = _get(world, "/participants/p1/suggestions?lang=sv", **{"Accept-Language": "en"})
    assert chosen == swedish
    for answer, lang in ((swedish, "sv"), (english, "en")):
        for item in answer["items"]:
            assert len(item["reasons"]) == len(item["reason_codes"]) > 0
            assert item["reasons"] == renderer(lang).messages(item["reason_codes"])
            assert item["missing"] == renderer(lang).messages(item["missing_codes"])
    assert [i["reason_codes"] for i in swedish["items"]] == [i["reason_codes"] for i in english["items"]]
    assert any(r.startswith("Restid ungefär") for r in swedish["items"][0]["reasons"])
    assert any(r.startswith("Travel time about") for r in english["items"][0]["reasons"])


def test_why_not_gives_each_verdict_as_a_code_and_in_words(world: World) -> None:
    # o2 is in Lund: an admin asks (a Malmö coach does not see it)
    answer = _get(world, "/participants/p1/why-not/o2?lang=en", **world.headers("admin"))
    commute = next(c for c in answer["constraints"] if c["constraint"] == "commute")
    assert commute["code"] == "check.commute.too_far" and commute["params"]["limit"] == 45
    assert commute["reason"] == commute["reason_en"] == (
        f"Travel time about {commute['params']['minutes']} minutes, more than the "
        "participant's limit of 45 minutes")
    swedish = _get(world, "/participants/p1/why-not/o2", **world.headers("admin"))
    commute = next(c for c in swedish["constraints"] if c["constraint"] == "commute")
    assert commute["reason"].startswith("Restid ungefär") and commute["reason_en"].startswith("Travel")


def test_a_broken_rule_answers_with_its_code_field_and_message(world: World) -> None:
    employer = world.headers("employer")
    response = world.client.patch("/openings/o1", json={"hours_min": 35}, headers=employer)
    assert response.status_code == 422
    [item] = response.json()["errors"]
    assert item["field"] == "body.hours_min" and item["code"] == "rule.hours_order"
    assert item["params"] == {"hours_min": 35, "hours_max": 30}
    assert item["message"] == "Minsta antalet timmar (35) är fler än högsta (30)."
    english = world.client.patch("/openings/o1?lang=en", json={"hours_min": 35}, headers=employer)
    assert english.json()["errors"][0]["message"] == (
        "The fewest hours (35) are more than the most hours (30).")


def test_a_refused_request_body_is_worded_too(world: World) -> None:
    response = world.client.patch("/participants/p1", json={"hours_per_week": 0},
                                  headers={**world.headers("coach"), "Accept-Language": "en"})
    assert response.status_code == 422
    [item] = response.json()["errors"]
    assert item["code"] == "err.min" and item["message"] == "Must be at least 1."
    assert item["reason"].startswith("Input should be")  # pydantic's own text stays


def test_a_refused_transition_names_the_possible_statuses(world: World) -> None:
    coach = world.headers("coach")
    response = world.client.post("/placements/pl1/status", json={"status": "completed"},
                                 headers=coach)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "rule.transition" and body["params"]["allowed"] == ["accepted", "declined"]
    assert body["message"] == ("Placeringen kan inte gå från föreslagen till avslutad. Det går "
                               "att välja accepterad eller avböjd.")
    assert "cannot go from" in body["detail"]  # the technical text, as before
