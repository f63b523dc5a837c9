"""The command line's contract with scripts: ``--version``, ``--json`` wherever a command prints
results, and exit codes that say what kind of failure happened (README, "Exit codes")."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import Any

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from platsa.cli.common import ExitCode, Refused, described, errors_as_lines, exit_code
from platsa.cli.main import _register
from platsa.cli.main import app as cli

runner = CliRunner()

#: Commands that print no result to read back: a server, and a walkthrough for people.
NO_RESULT = {"serve", "demo"}
#: Commands whose only output is already JSON.
ALWAYS_JSON = {"taxonomy import", "taxonomy download", "taxonomy tune-encoder",
               "users create", "users list", "users revoke",
               "users deactivate", "users activate"}


def _commands() -> dict[str, Any]:
    """Every leaf command by its full name ("models promote"); typer vendors its own click."""
    _register()
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = command

    walk(get_command(cli), "")
    return found


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output == f"platsa {version('platsa')}\n"


def test_every_command_that_prints_results_has_json() -> None:
    commands = _commands()
    assert {"db upgrade", "db info", "export", "import programme", "models promote",
            "models rollback", "suggest", "report followup"} <= set(commands)
    missing = [path for path, command in commands.items()
               if path not in NO_RESULT | ALWAYS_JSON
               and "--json" not in {opt for p in command.params for opt in p.opts}]
    assert missing == []


@pytest.mark.parametrize(("error", "code"), [
    (Refused("gate exposure_ratio failed"), ExitCode.REFUSED),
    (FileNotFoundError("x.csv: no such file"), ExitCode.NOT_FOUND),
    (KeyError("no participant 'p9'"), ExitCode.NOT_FOUND),
    (LookupError("no champion"), ExitCode.NOT_FOUND),
    (ValueError("--top 'x' is not a number"), ExitCode.BAD_INPUT),
    (PermissionError("cannot write /srv"), ExitCode.UNEXPECTED),
    (ConnectionError("tracking server does not answer"), ExitCode.UNEXPECTED),
])
def test_each_expected_error_has_its_code(error: Exception, code: ExitCode) -> None:
    assert exit_code(error) == code

    def failing() -> None:
        with errors_as_lines():
            raise error

    app = typer.Typer()
    app.command()(failing)
    result = runner.invoke(app, [])
    assert result.exit_code == code and result.output.startswith("error: ")
    assert len(result.output.strip().splitlines()) == 1


def test_database_and_registry_failures_are_lines_with_their_codes() -> None:
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST
    from sqlalchemy.exc import OperationalError

    down = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    assert described(down) == ("database error: connection refused", ExitCode.UNEXPECTED)
    missing = MlflowException("Registered Model 'x' not found\nmore", error_code=RESOURCE_DOES_NOT_EXIST)
    assert described(missing) == ("model registry: Registered Model 'x' not found", ExitCode.NOT_FOUND)


def test_a_bug_keeps_its_traceback_and_exits_1() -> None:
    assert described(ZeroDivisionError("division by zero")) is None
    with pytest.raises(ZeroDivisionError), errors_as_lines():
        raise ZeroDivisionError("division by zero")


def test_usage_errors_exit_2_like_bad_input() -> None:
    _register()
    result = runner.invoke(cli, ["suggest", "p1", "--top", "many"])
    assert result.exit_code == ExitCode.BAD_INPUT


def test_json_output_of_db_commands(platsa_home) -> None:
    _register()
    upgraded = runner.invoke(cli, ["db", "upgrade", "--json"])
    assert upgraded.exit_code == 0, upgraded.output
    info = json.loads(runner.invoke(cli, ["db", "info", "--json"]).stdout)
    assert info["revision"] == info["head"] == json.loads(upgraded.stdout)["revision"]
    assert info["up_to_date"] is True and info["rows"]["participants"] == 0
