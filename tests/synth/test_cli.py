"""``platsa generate``: writes the folder, prints a summary, refuses bad values in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from platsa.cli import generate as generate_cli


@pytest.fixture
def app(platsa_home: Path) -> typer.Typer:
    """Only the generate command, with an empty PLATSA_HOME (so the demo taxonomy is used)."""
    application = typer.Typer()

    @application.callback()
    def main() -> None:
        """Test entry point holding only the generate command."""

    generate_cli.register(application)
    return application


def test_generate_writes_the_programme_folder(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "programme"
    result = CliRunner().invoke(app, ["generate", "-n", "120", "-m", "30", "--seed", "4",
                                      "--out", str(out), "--format", "jsonl", "--no-bias"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {
        "municipalities.jsonl", "coaches.jsonl", "employers.jsonl", "participants.jsonl",
        "openings.jsonl", "placements.jsonl", "oracle.parquet", "generator.json"}
    config = json.loads((out / "generator.json").read_text(encoding="utf-8"))["config"]
    assert config["participants"] == 120 and config["bias"] is False and config["seed"] == 4
    assert "participants 120" in result.output and "in work 90 days" in result.output


def test_generate_defaults_to_platsa_home(app: typer.Typer, platsa_home: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "-n", "50", "-m", "20", "--json"])
    assert result.exit_code == 0, result.output
    assert (platsa_home / "programme" / "participants.csv").is_file()
    assert json.loads(result.stdout)["counts"]["participants"] == 50


def test_bad_values_fail_with_one_line(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "-n", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "participants" in lines[0] and "0" in lines[0]
