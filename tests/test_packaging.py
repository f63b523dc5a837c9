"""The package as it is installed: the wheel carries every file the code reads, every import
is declared in the right extra, and the lock files pin what pyproject.toml asks for.
(.ci/wheel-smoke installs that wheel into a fresh virtualenv and starts the service.)"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("matcher", "models", "serving", "training", "platsa", "synth")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
LOCKS = {name: ROOT / "requirements" / f"{name}.lock" for name in ("dev", "serve")}
#: Packages only tests, linters and builds use: never in the base install or a runtime extra.
TEST_ONLY = {"pytest", "hypothesis", "httpx", "schemathesis", "playwright", "ruff", "mypy", "build",
             "import-linter"}


def _requirements(group: str | None) -> list[Requirement]:
    texts = PYPROJECT["dependencies"] if group is None else PYPROJECT["optional-dependencies"][group]
    return [Requirement(text) for text in texts]


def _declared() -> set[str]:
    groups = [None, *PYPROJECT["optional-dependencies"]]
    return {canonicalize_name(r.name) for group in groups for r in _requirements(group)}


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level modules imported by the product code (not the standard library, not ours)."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for top in {name.split(".")[0] for name in names}:
                    if top not in sys.stdlib_module_names and top not in {*PACKAGES, "__future__"}:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_is_a_declared_dependency() -> None:
    distributions = packages_distributions()
    declared = _declared()
    undeclared = {module: sorted(files)[0] for module, files in _third_party_imports().items()
                  if not {canonicalize_name(d) for d in distributions.get(module, [module])} & declared}
    assert undeclared == {}


def test_no_test_tool_is_a_runtime_dependency() -> None:
    runtime = {None, "serve", "train", "dask", "postgres", "synth"}
    names = {canonicalize_name(r.name) for group in runtime for r in _requirements(group)}
    assert names & TEST_ONLY == set()


def test_uvicorn_pin_admits_only_versions_with_the_options_serve_uses() -> None:
    """`platsa serve` sets timeout_worker_healthcheck, which uvicorn added in 0.37."""
    (uvicorn,) = [r for r in _requirements("serve") if r.name == "uvicorn"]
    assert not uvicorn.specifier.contains("0.36.0") and uvicorn.specifier.contains("0.37.0")


def _pins(lock: Path) -> dict[str, Version]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            pins[canonicalize_name(name.split("[")[0])] = Version(version)
    return pins


@pytest.mark.parametrize(("lock", "groups"), [
    ("dev", [None, "serve", "train", "dask", "postgres", "synth", "dev"]),
    ("serve", [None, "serve", "postgres"]),
])
def test_locks_pin_what_pyproject_asks_for(lock: str, groups: list[str | None]) -> None:
    """Run `make lock` after editing the dependencies in pyproject.toml."""
    pins = _pins(LOCKS[lock])
    wrong = {}
    for group in groups:
        for requirement in _requirements(group):
            name = canonicalize_name(requirement.name)
            if name == "platsa":  # the dev extra names the project's own extras
                continue
            pinned = pins.get(name)
            if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
                wrong[requirement.name] = str(pinned)
    assert wrong == {}
    text = LOCKS[lock].read_text(encoding="utf-8")
    assert all(line.strip().startswith("--hash=sha256:") for line in text.splitlines()
               if line.startswith("    "))


def test_the_api_lock_has_no_torch_and_no_test_tools() -> None:
    pins = _pins(LOCKS["serve"])
    assert "torch" not in pins and "sentence-transformers" not in pins
    assert set(pins) & TEST_ONLY == set()


def _tracked_data_files() -> set[str]:
    listed = subprocess.run(["git", "ls-files", *PACKAGES], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the tracked files are unknown")
    return {line for line in listed.stdout.splitlines() if not line.endswith(".py")}


@pytest.mark.slow
def test_the_wheel_holds_every_file_the_packages_read(tmp_path: Path) -> None:
    """Templates, static files, migration templates, catalogues and data: everything tracked in
    the packages besides Python travels in the wheel."""
    needed = _tracked_data_files()
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("platsa-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert needed - names == set()
    assert {"serving/web/templates/login.html", "serving/web/static/platsa.css",
            "matcher/store/migrations/script.py.mako",
            "matcher/store/migrations/versions/0001_initial.py"} <= names
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)
