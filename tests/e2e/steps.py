"""What a user does with a programme: every command line step, and the API's answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from platsa.cli.registry import REGISTRATIONS
from platsa.settings import get_settings
from tests.conftest import TODAY


def cli_app() -> typer.Typer:
    """Every ``platsa`` command, as the console script registers them."""
    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """Test entry point holding every command."""

    for register in REGISTRATIONS:
        register(application)
    return application


@dataclass
class User:
    """A PLATSA_HOME of one's own and the command line."""

    home: Path
    app: typer.Typer

    def run(self, *args: str) -> Result:
        get_settings.cache_clear()
        result = CliRunner().invoke(self.app, list(args))
        get_settings.cache_clear()
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"platsa {' '.join(args)} raised {result.exception!r}\n{result.output}")
        return result

    def works(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.exit_code == 0, f"platsa {' '.join(args)} failed:\n{result.output}"
        return result

    def works_or_says_why(self, *args: str) -> bool:
        """True when the command worked; otherwise it printed one error line and no traceback."""
        result = self.run(*args)
        if result.exit_code == 0:
            return True
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "Traceback" not in result.output, (
            f"platsa {' '.join(args)} stopped without one clear line:\n{result.output}")
        return False


def _check_suggestions(answer: dict, k: int, nobody_feasible: bool = False) -> None:
    """Ranked, bounded, and nobody refused: someone with a feasible opening gets suggestions."""
    items = answer["items"]
    assert [s["rank"] for s in items] == list(range(1, len(items) + 1))
    assert len(items) <= min(k, answer["n_feasible"])
    assert bool(items) == (answer["n_feasible"] > 0)
    if nobody_feasible:
        assert not items


def through_the_command_line(user: User, folder: Path, asked: list[str], opening: str | None,
                             nobody_feasible: bool = False) -> None:
    """Every command a user runs on the programme in ``folder``, asking about the
    participants ``asked`` and one ``opening`` (None: the programme has none)."""
    user.works("import", "programme", str(folder))
    if user.works_or_says_why("train", "--n-estimators", "40") and not user.works_or_says_why(
            "models", "promote"):
        user.works("models", "promote", "--force", "--by", "e2e")  # suggest with the learned model
    today = ("--today", TODAY.isoformat())
    for participant_id in asked:
        args = ("suggest", participant_id, "--top", "5", *today, "--json")
        if opening is None:  # nothing to suggest: says so
            assert not user.works_or_says_why(*args)
            continue
        answer = json.loads(user.works(*args, "--why-not", opening).stdout)
        _check_suggestions(answer, 5, nobody_feasible)
        assert answer["why_not"]["opening_id"] == opening
    if opening is not None:
        user.works("candidates", opening, *today, "--json")
    user.works("report", "followup", "--by", "gender", "--by", "municipality", "--period", "year")
    user.works("export", "--out", str(user.home / "export"))


def through_the_api(user: User, asked: list[str], opening: str | None,
                    nobody_feasible: bool = False,
                    fairness: tuple[int, ...] = (200, 404)) -> list[dict]:
    """Suggestions, "why not?", allocation, candidates, reports and export: never refused
    (the fairness report answers one of ``fairness``: 404 when the rule serves). Returns
    the suggestions of each of ``asked``."""
    from serving.app import create_app

    created = user.works("users", "create", "--name", "e2e", "--role", "admin")
    key = {"X-API-Key": json.loads(created.stdout)["api_key"]}
    get_settings.cache_clear()
    answers = []
    with TestClient(create_app(get_settings())) as client:
        for participant_id in asked:
            answer = client.get(f"/participants/{participant_id}/suggestions?k=5", headers=key)
            assert answer.status_code == 200, answer.text
            answers.append(answer.json())
            _check_suggestions(answers[-1], 5, nobody_feasible)
            if opening is not None:
                why = client.get(f"/participants/{participant_id}/why-not/{opening}", headers=key)
                assert why.status_code == 200, why.text
        if asked:
            allocated = client.post("/allocations", headers=key,  # at most 500 a request
                                    json={"participant_ids": asked[:500]})
            assert allocated.status_code == 200, allocated.text
        paths = ["/reports/followup?by=gender&by=kind", "/exports/placements"]
        for path in paths + ([f"/openings/{opening}/candidates"] if opening else []):
            answer = client.get(path, headers=key)
            assert answer.status_code == 200, f"{path}: {answer.text}"
        report = client.get("/reports/fairness", headers=key)
        assert report.status_code in fairness, report.text
    return answers


