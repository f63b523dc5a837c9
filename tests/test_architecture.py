"""The layers of docs/ARCHITECTURE.md hold: `lint-imports` keeps every contract in pyproject."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import matcher

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def _lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(LINT), "--no-cache"] + ([] if config is None else ["--config", str(config)])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_fails_the_lint(tmp_path):
    """The check can fail: serving does import the core, so forbidding it is reported."""
    config = tmp_path / "broken.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["matcher", "serving"]\n\n'
                      '[[tool.importlinter.contracts]]\nname = "serving without the core"\n'
                      'type = "forbidden"\nsource_modules = ["serving"]\n'
                      'forbidden_modules = ["matcher"]\n', encoding="utf-8")
    result = _lint(config)
    assert result.returncode != 0 and "1 broken" in result.stdout


def test_the_pure_core_contract_names_every_core_module():
    """A new module of ``matcher`` is core (and checked) unless it is an adapter or a stage."""
    [core] = [c for c in CONTRACTS["contracts"] if c["name"].startswith("The core is pure")]
    outside = {"store", "io", "recommend"}
    modules = {f"matcher.{m.name}" for m in pkgutil.iter_modules(matcher.__path__)
               if m.name not in outside}
    assert set(core["source_modules"]) == modules


def test_every_calendar_date_comes_from_the_programme_clock():
    """Dates are Sweden's (matcher.clock), not the server's zone: no product module asks the
    server for its local date."""
    local = ("date.today()", "datetime.now()", "datetime.today()", "Timestamp.today()")
    found = [f"{path.relative_to(ROOT)}: {call}"
             for package in ("matcher", "models", "training", "serving", "platsa")
             for path in (ROOT / package).rglob("*.py")
             for call in local if call in path.read_text(encoding="utf-8")]
    assert found == []
