"""``platsa train``, ``models``, ``suggest``, ``candidates`` and ``demo`` through the CLI."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from platsa.cli import demo, models, suggest
from platsa.cli import train as train_cli
from platsa.cli.demo_steps import programme_folder
from platsa.settings import get_settings
from tests.conftest import TODAY

LAX = {"PLATSA_FAIRNESS_MAX_NDCG_GAP": "1", "PLATSA_FAIRNESS_MAX_CALIBRATION_GAP": "1",
       "PLATSA_FAIRNESS_MIN_EXPOSURE_RATIO": "0", "PLATSA_FAIRNESS_MIN_IMPACT_RATIO": "0",
       "PLATSA_FAIRNESS_MAX_SEGREGATION_NARROWING": "1"}


def make_app() -> typer.Typer:
    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """Test entry point holding the training commands."""

    for group in (train_cli, models, suggest, demo):
        group.register(application)
    return application


def without_sentence_model(patch: pytest.MonkeyPatch) -> None:
    """The CLI's encoders as the settings build them, minus the (slow) sentence encoder."""
    patch.setenv("PLATSA_TEXT_EMBEDDINGS", "false")


@pytest.fixture(scope="module")
def world(tmp_path_factory, mlflow_template, programme_dir) -> Iterator[Path]:
    """A home whose database holds the small programme; the CLI's matcher is the small one."""
    from matcher.io import import_programme
    from matcher.store.engine import init_db

    home = tmp_path_factory.mktemp("cli_home")
    shutil.copy(mlflow_template, home / "mlflow.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLATSA_HOME", str(home))
        for name in ("PLATSA_DATABASE_URL", "PLATSA_MLFLOW_TRACKING_URI"):
            patch.delenv(name, raising=False)
        get_settings.cache_clear()
        import_programme(init_db(get_settings().paths.resolved_database_url), programme_dir)
        without_sentence_model(patch)
        yield home
    get_settings.cache_clear()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Invoke the commands; settings are re-read so ``env`` applies to this call only."""
    get_settings.cache_clear()
    result = CliRunner().invoke(make_app(), list(args), env=env)
    get_settings.cache_clear()
    return result.exit_code, result.output


def _documents(output: str) -> list[dict]:
    """The JSON documents a command printed one after the other (stderr lines skipped)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := output.find("{", at)) != -1:
        document, at = decoder.raw_decode(output, start)
        found.append(document)
    return found


def test_models_before_any_training(world):
    assert run("models", "list") == (0, "no model is registered yet: run `platsa train`\n")
    code, output = run("models", "promote")
    assert code == 3 and "run `platsa train` first" in output  # not found


def test_train_promote_force_rollback_and_serve_the_champion(world, history):
    code, output = run("train", "--n-estimators", "30")
    assert code == 0, output
    assert "trained platsa-ranker version 1" in output and "popularity" in output
    assert "fairness gates (validation, 95 % intervals over participants):" in output
    assert "compared with what serves now: ndcg_at_10" in output and "rule rule-v1" in output
    assert "promote with `platsa models promote 1`" in output
    assert "acceptance model (for --reciprocal): logistic regression on" in output

    code, output = run("models", "promote", env={"PLATSA_FAIRNESS_MIN_EXPOSURE_RATIO": "0.9999"})
    assert code == 4  # refused by a gate
    assert "FAIL: fairness exposure_ratio" in output and "short by" in output
    assert "compared with what serves now: ndcg_at_10" in output
    assert "version 1 was not promoted" in output

    code, output = run("models", "promote", "--force", "--by", "tester",
                       env={"PLATSA_FAIRNESS_MIN_EXPOSURE_RATIO": "0.9999"})
    assert code == 0 and "champion: version 1 (was none), FORCED by tester" in output

    # the same data and seed train the same model: no better than the champion, so refused
    code, output = run("train", "--n-estimators", "30", "--promote", "--json", env=LAX)
    assert code == 4, output
    [trained] = _documents(output)  # one document: the run, and the refused promotion's figures
    refusal = trained["promotion"]
    assert trained["version"] == "2" and trained["comparison"]["reference"] == "champion v1"
    assert refusal["promoted"] is False and refusal["comparison"]["difference"] == 0
    assert [g["metric"] for g in refusal["failed"]] == ["ndcg_at_10 gain over champion v1"]
    code, output = run("models", "promote", "2", "--force", "--by", "tester", "--json", env=LAX)
    assert code == 0, output
    promoted = json.loads(output)
    assert (promoted["version"], promoted["previous"], promoted["forced_by"]) == ("2", "1", "tester")

    code, output = run("models", "list")
    assert code == 0 and "champion" in output.splitlines()[1] and "forced by tester" in output
    info = json.loads(run("models", "info", "1", "--json")[1])
    assert info["tags"]["forced_by"] == "tester" and "ndcg_at_10" in info["metrics"]

    today = str(history.end_date())
    participant = history.participants["id"].iloc[0]
    code, output = run("suggest", participant, "--today", today, "--top", "3")
    assert code == 0, output
    assert f"participant {participant}:" in output and "model platsa-ranker/2" in output

    assert run("models", "rollback", "--by", "ops") == (0, "champion: version 1 (rolled back from 2)\n")
    answer = json.loads(run("suggest", participant, "--today", today, "--json")[1])
    assert answer["model_version"] == "platsa-ranker/1"


def test_suggest_can_widen_horizons_and_says_whether_it_moved_anything(world, history, taxonomy,
                                                                        tmp_path):
    """With statistics making every other SSYK4 group women's work and the rest men's."""
    codes = sorted({taxonomy.occupation(o).ssyk4 for o in taxonomy.occupation_ids})
    stats = tmp_path / "scb.csv"
    stats.write_text("code_4,year,men,women\n" + "".join(
        f"{code},2024,{2 if i % 2 else 98},{98 if i % 2 else 2}\n" for i, code in enumerate(codes)))
    today, k, moved = str(history.end_date()), 1, 0
    for participant in history.participants["id"].iloc[:20]:
        plain = json.loads(run("suggest", participant, "--today", today, "-k", str(k), "--json")[1])
        code, output = run("suggest", participant, "--today", today, "-k", str(k), "--json",
                           "--widen-horizons", env={"PLATSA_OCCUPATION_STATS": str(stats)})
        assert code == 0, output
        widened = json.loads(output)
        assert (plain["widen_horizons"], plain["widened"], widened["widen_horizons"]) == (
            False, False, True)
        ids = [[item["opening_id"] for item in answer["items"]] for answer in (plain, widened)]
        if widened["widened"]:  # one opening brought in at rank k, the rest kept in order
            assert ids[1][:-1] == ids[0][: len(ids[1]) - 1] and ids[1][-1] not in ids[0]
            moved += 1
        else:
            assert ids[1] == ids[0]
    assert moved > 0
    code, output = run("suggest", participant, "--today", today, "--widen-horizons")
    assert code == 0 and "widen horizons:" in output


def test_suggest_near_misses_and_occupations_to_consider(world, history):
    """Near misses fail exactly the one constraint they name (as why-not says) and are never
    among the suggestions; both panels are worded in the language asked for."""
    today, found = str(history.end_date()), 0
    for participant in history.participants["id"].iloc[:10]:
        code, output = run("suggest", participant, "--today", today, "-k", "20", "--json",
                           "--near-misses", "--occupations")
        assert code == 0, output
        answer = json.loads(output)
        suggested = {item["opening_id"] for item in answer["items"]}
        for item in answer["near_misses"]["items"][:2]:
            assert item["opening_id"] not in suggested and item["gap"].startswith("Nästan: saknar")
            why = json.loads(run("suggest", participant, "--today", today, "--json",
                                 "--why-not", item["opening_id"])[1])["why_not"]
            assert why["failed"] == [item["constraint"]]
            found, near = found + 1, participant
        considered = answer["occupations_to_consider"]
        assert considered["basis"] in ("related", "no_experience")
        counts = [o["openings"] for o in considered["items"]]
        assert counts == sorted(counts, reverse=True) and all(n > 0 for n in counts)
    assert found > 0
    code, output = run("suggest", near, "--today", today, "--near-misses", "--occupations",
                       "--lang", "en")
    assert code == 0 and "Near misses: one thing missing" in output
    assert re.search(r"^  1\. .*\[", output, re.M)  # a near miss's first line, at least
    assert not re.search(r"(kommun|municipality) \d{4}", output)  # by name, not "kommun 1280"
    assert "Occupations to consider:" in output and "Widen horizons:" in output


def test_candidates_for_an_opening(world, history):
    opening = history.openings["id"].iloc[0]
    code, output = run("candidates", opening, "--today", str(history.end_date()), "--top", "2", "--json")
    assert code == 0, output
    answer = json.loads(output)
    assert answer["opening_id"] == opening and answer["model_version"].startswith(("platsa-ranker/", "rule"))
    assert len(answer["items"]) <= 2


def test_reciprocal_uses_the_champions_acceptance_model(world, history):
    """The champion trained here ships an acceptance model; --reciprocal ranks with it."""
    if "champion" not in run("models", "list")[1]:
        code, output = run("train", "--n-estimators", "30", env=LAX)
        assert code == 0 and "acceptance model (for --reciprocal): logistic regression" in output, output
        assert run("models", "promote", "--force", "--by", "tester")[0] == 0
    today = str(history.end_date())
    participant = history.participants["id"].iloc[0]
    code, output = run("suggest", participant, "--today", today, "--reciprocal", "--json")
    assert code == 0, output
    answer = json.loads(output)
    assert (answer["reciprocal"], answer["acceptance_source"]) == (True, "model")
    assert all(0 < item["acceptance"] < 1 for item in answer["items"])
    scores = [item["reciprocal_score"] for item in answer["items"]]
    assert scores == sorted(scores, reverse=True)
    opening = history.openings["id"].iloc[0]
    code, output = run("candidates", opening, "--today", today, "--reciprocal")
    assert code == 0 and "reciprocal (acceptance from model)" in output and "acceptance" in output


@pytest.mark.parametrize(("args", "exit_code", "message"), [
    (("suggest", "nobody"), 3, "no participant 'nobody' in the database"),
    (("suggest", "x", "--today", "soon"), 2, "--today 'soon' is not a date"),
    (("train", "--engine", "spark"), 2, "--engine 'spark' is not one of local, dask"),
    (("models", "info", "42"), 3, "has no version '42'"),
])
def test_bad_input_is_one_line(world, args, exit_code, message):
    code, output = run(*args)
    assert code == exit_code and message in output and len(output.strip().splitlines()) == 1


def test_an_inconclusive_gate_is_refused_until_a_named_person_accepts_it(register_version):
    """The README flow's NDCG gap (0.0475 between 178 women and 251 men) is inside the noise."""
    from tests.training.conftest import FAIR, NOISY_GAP

    register_version(gates={**FAIR, "ndcg10_gap": NOISY_GAP})
    code, output = run("models", "promote")
    assert code == 4, output
    assert "INCONCLUSIVE: fairness ndcg10_gap = 0.0475 [0.0000, 0.1100]" in output
    assert "inconclusive: 178 women, 251 men; about" in output
    assert "`--accept-inconclusive --by NAME` accepts them" in output
    code, output = run("models", "promote", "--json")
    [refusal] = _documents(output)
    assert code == 4 and refusal["failed"] == []
    [gate] = refusal["inconclusive"]
    assert (gate["code"], gate["params"]["sizes"]) == ("gate.inconclusive", {"woman": 178, "man": 251})
    assert refusal["comparison"]["reference"] == "rule rule-v1"

    code, output = run("models", "promote", "--accept-inconclusive")
    assert code == 2 and "needs the name of who decides (--by NAME)" in output
    code, output = run("models", "promote", "--accept-inconclusive", "--by", "Karin Ek")
    assert code == 0, output
    assert "champion: version 1 (was none), inconclusive gates accepted by Karin Ek" in output
    info = json.loads(run("models", "info", "1", "--json")[1])
    assert info["tags"]["accepted_inconclusive_by"] == "Karin Ek"
    assert "inconclusive: 178 women, 251 men" in info["tags"]["accepted_inconclusive_gates"]
    assert "inconclusive accepted by Karin Ek" in run("models", "list")[1]


def test_a_candidate_identical_to_the_champion_exits_4_with_the_figures(register_version):
    register_version()
    assert run("models", "promote", "--by", "anna")[0] == 0
    register_version()
    code, output = run("models", "promote", "--json")
    [refusal] = _documents(output)
    assert code == 4 and refusal["comparison"]["difference"] == 0
    assert refusal["failed"][0]["metric"] == "ndcg_at_10 gain over champion v1"


def test_unreachable_tracking_server_is_one_line(world):
    code, output = run("models", "list", env={"PLATSA_MLFLOW_TRACKING_URI": "http://127.0.0.1:9",
                                              "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert code == 1 and "does not answer" in output and len(output.strip().splitlines()) == 1


def test_demo_promotes_as_the_gates_allow_says_why_and_reuses_the_data(platsa_home, monkeypatch):
    without_sentence_model(monkeypatch)
    for name, value in LAX.items():
        monkeypatch.setenv(name, value)
    code, output = run("demo", "--participants", "800", "--openings", "150")
    assert code == 0, output
    assert "1/4 generating and importing 800 participants, 150 openings" in output
    assert "3/4 promoting: only when better than what serves now" in output
    assert "compared with what serves now: ndcg_at_10" in output and "rule rule-v1" in output
    # 800 participants: the ranker boosts from the rule and cross-validation keeps no correction
    # trees, so it ranks as the rule; no gain is not better, the gate fails, the rule keeps serving
    assert "difference +0.0000 [+0.0000, +0.0000]" in output
    assert "FAIL: ndcg_at_10 gain over rule rule-v1" in output
    assert "version 1 is NOT promoted" in output and "what served before keeps serving" in output
    assert "`platsa models promote --force --by NAME`" in output and "champion:" not in output
    assert "model rule-v1" in output and "model platsa-ranker/1" not in output
    assert "acceptance model (for --reciprocal): logistic regression on" in output
    assert "why not" in output
    assert "mlflow ui --backend-store-uri sqlite:///" in output and "platsa serve" in output
    openings = pd.read_parquet(programme_folder(get_settings()) / "openings.parquet")
    still_open = (openings["status"] == "open") & (pd.to_datetime(openings["end_date"]).dt.date
                                                   >= TODAY)
    assert still_open.any(), "the demo's history must run up to today, so serving has openings"

    strict = {"PLATSA_FAIRNESS_MIN_EXPOSURE_RATIO": "0.9999"}
    code, output = run("demo", "--participants", "800", "--openings", "150", env=strict)
    assert code == 0 and "already holds 800 participants" in output
    assert "FAIL: fairness exposure_ratio" in output and "gain over rule rule-v1" in output
    assert "version 2 is NOT promoted" in output and "what served before keeps serving" in output
    assert "model rule-v1" in output  # what served before still answers


@pytest.mark.parametrize(("verdict", "says"), [
    ("pass", ["champion: version 1; every gate passed"]),
    ("inconclusive", ["champion: version 1 (was none), inconclusive gates accepted by platsa demo",
                      "too few participants to tell",
                      "`platsa models promote --accept-inconclusive --by NAME`"]),
    ("fail", ["version 1 is NOT promoted", "what served before keeps serving",
              "`platsa models promote --force --by NAME`"]),
])
def test_demo_promotes_as_the_gates_allow(verdict, says, capsys):
    """The demo's promotion step on each verdict (the demo run itself, at its size, only fails)."""
    from matcher.fairness.gates import GateResult
    from matcher.fairness.uncertainty import Verdict
    from training.registry import PromotionRefused, PromotionResult

    gate = GateResult("ndcg_at_10 gain over rule rule-v1", 0.01, 0.0, ">", Verdict(verdict), "",
                      low=-0.01 if verdict == "inconclusive" else 0.005, high=0.02)

    class Registry:
        def promote(self, version: str, *, by: str, accept_inconclusive: bool = False) -> PromotionResult:
            if verdict != "pass" and not accept_inconclusive:
                raise PromotionRefused(version, [gate], None)
            assert verdict != "fail" and by == demo.DEMO_USER
            return PromotionResult(version, None, [gate], None,
                                   accepted_inconclusive_by=by if accept_inconclusive else None)

    demo.promote_step(Registry(), "1")
    output = capsys.readouterr().out
    assert all(line in output for line in says), output
    assert ("champion:" in output) == (verdict != "fail")


def test_fresh_removes_only_the_embedded_stores(platsa_home, monkeypatch):
    from platsa.cli.demo_steps import reset

    platsa_home.mkdir()
    for name in ("platsa.db", "mlflow.db", "keep.txt"):
        (platsa_home / name).write_text("x")
    (platsa_home / "mlartifacts" / "1").mkdir(parents=True)
    assert {p.name for p in reset(get_settings())} == {"platsa.db", "mlflow.db", "mlartifacts"}
    assert [p.name for p in platsa_home.iterdir()] == ["keep.txt"]
    monkeypatch.setenv("PLATSA_DATABASE_URL", "postgresql+psycopg://db/platsa")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match="--fresh only resets the embedded stores"):
        reset(get_settings())

