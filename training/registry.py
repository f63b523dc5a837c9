"""The model registry: versions of ``platsa-ranker``, the ``challenger``/``champion`` aliases, gates.

Every training run registers a version and points ``challenger`` at it; nothing but
:meth:`ModelRegistry.promote` (gates passed, or ``force`` with a name) and
:meth:`ModelRegistry.rollback` ever moves ``champion``, so a failed or worse run cannot reach
serving. The promotion history lives in version tags (``previous_champion``, ``promoted_by``,
``forced_by`` …), which is what ``rollback`` follows and what ``platsa models info`` shows.

Everyone loads a version through the one loader (:mod:`models.loader`); serving loads
``models:/platsa-ranker@champion`` with it, and so does the promotion gate here.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import math
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.acceptance import AcceptanceModel
from models.loader import load_version
from models.ranking import BoostedRanker
from platsa.settings import Settings
from training.artifacts import ModelArtifactError
from training.tracking import Tracking, connect

if TYPE_CHECKING:
    from mlflow.entities import Run
    from mlflow.entities.model_registry import ModelVersion

    from matcher.fairness.gates import FairnessThresholds

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
#: Run artifact holding the fairness gate values measured by the run (see :func:`gate_values_json`).
GATE_VALUES_ARTIFACT = "fairness/gate_values.json"
#: Run tag and metric naming the champion the run was compared with on its own validation data.
COMPARED_CHAMPION_TAG = "compared_champion_version"


class PromotionRefused(ValueError):
    """A promotion whose gates failed; the message lists each failed gate and by how much."""

    def __init__(self, version: str, failed: list[GateVerdict]) -> None:
        self.version = version
        self.failed = failed
        super().__init__(f"version {version} was not promoted: "
                         + "; ".join(str(g) for g in failed))


@dataclass(frozen=True)
class GateVerdict:
    """One gate on a promotion: the value, the limit, pass or fail and how far from the limit."""

    gate: str
    value: float | None
    limit: float | None
    comparison: str  # ">=" or "<="
    passed: bool
    detail: str

    @property
    def margin(self) -> float | None:
        """How far the value is on the passing side of the limit (negative: by how much it fails)."""
        if self.value is None or self.limit is None or math.isnan(self.value):
            return None
        return self.value - self.limit if self.comparison == ">=" else self.limit - self.value

    def __str__(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        shown = "not measured" if self.value is None else f"{self.value:.4f}"
        limit = "" if self.limit is None else f" (needs {self.comparison} {self.limit:.4f}"
        by = "" if self.margin is None or self.passed else f", short by {-self.margin:.4f}"
        close = ")" if limit else ""
        return f"{verdict}: {self.gate} = {shown}{limit}{by}{close} {self.detail}".rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "margin": self.margin}


@dataclass(frozen=True)
class StoredGateValues:
    """Fairness gate values as a run recorded them, in the shape the fairness gates read."""

    values: Mapping[str, tuple[float | None, str]]

    def gate_values(self) -> Mapping[str, tuple[float | None, str]]:
        return self.values


def gate_values_json(values: Mapping[str, tuple[float | None, str]]) -> str:
    """Serialise gate values for the run (Python JSON keeps an infinite difference infinite)."""
    return json.dumps({name: {"value": value, "reason": reason}
                       for name, (value, reason) in values.items()}, indent=2)


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion did: the new and the previous champion, the gates, who forced it."""

    version: str
    previous: str | None
    gates: list[GateVerdict]
    forced_by: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def current_user() -> str:
    """The OS user, for ``promoted_by`` when no ``--by`` name is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class ModelRegistry:
    """Versions and aliases of one registered model in the configured MLflow registry."""

    def __init__(self, tracking: Tracking, settings: Settings) -> None:
        self.tracking = tracking
        self.training = settings.training
        self.thresholds = settings.fairness
        self.name = settings.model.name
        self.client = tracking.client

    @classmethod
    def connect(cls, settings: Settings) -> ModelRegistry:
        """The registry at the configured tracking URI (raises TrackingUnavailableError)."""
        return cls(connect(settings), settings)

    # ------------------------------------------------------------------ reading

    def _exists(self) -> bool:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(self.name)
        except MlflowException:
            return False
        return True

    def version(self, ref: str | None = None) -> ModelVersion:
        """A version by number (``3``, ``v3``) or alias (``champion``; default ``challenger``)."""
        from mlflow.exceptions import MlflowException

        ref = (ref or CHALLENGER).strip()
        number = ref[1:] if ref[:1] in "vV" and ref[1:].isdigit() else ref
        if not self._exists():
            raise LookupError(f"no model {self.name!r} is registered yet: run `platsa train` first")
        try:
            if number.isdigit():
                return self.client.get_model_version(self.name, number)
            return self.client.get_model_version_by_alias(self.name, ref)
        except MlflowException:
            raise LookupError(f"model {self.name!r} has no version {ref!r}") from None

    def champion(self) -> ModelVersion | None:
        """The version serving answers with, or None before the first promotion."""
        try:
            return self.version(CHAMPION)
        except LookupError:
            return None

    def aliases(self) -> dict[str, str]:
        """Alias → version number (search results do not carry aliases, the model does)."""
        if not self._exists():
            return {}
        return {alias: str(v) for alias, v in self.client.get_registered_model(self.name).aliases.items()}

    def versions(self) -> list[ModelVersion]:
        """Every version, newest first."""
        if not self._exists():
            return []
        found = self.client.search_model_versions(f"name = '{self.name}'")
        return sorted(found, key=lambda v: int(v.version), reverse=True)

    def run_of(self, version: ModelVersion) -> Run:
        """The run that trained ``version`` (a version registered from elsewhere has none)."""
        if not version.run_id:
            raise LookupError(f"version {version.version} of {self.name!r} names no training run")
        return self.client.get_run(version.run_id)

    def run_metrics(self, version: ModelVersion) -> dict[str, float]:
        """The metrics the run that trained ``version`` logged."""
        return dict(self.run_of(version).data.metrics)

    def describe(self, version: ModelVersion) -> dict[str, Any]:
        """A version with its aliases, tags, run parameters and headline metrics."""
        run = self.run_of(version)
        return {
            "version": str(version.version),
            "aliases": sorted(a for a, v in self.aliases().items() if v == str(version.version)),
            "created": dt.datetime.fromtimestamp(version.creation_timestamp / 1000, dt.UTC)
            .isoformat(timespec="seconds"),
            "run_id": version.run_id,
            "source": version.source,
            "tags": dict(version.tags),
            "params": dict(run.data.params),
            "metrics": dict(sorted(run.data.metrics.items())),
        }

    # ------------------------------------------------------------------ writing

    def register(self, model_uri: str, run_id: str) -> str:
        """Register a run's model as a new version and point ``challenger`` at it."""
        from mlflow.exceptions import MlflowException

        if not self._exists():
            self.client.create_registered_model(
                self.name, description="Ranks feasible openings for a programme participant.")
        # A logged model's URI (models:/m-…) names its id; a tracking server wants the id too
        # (the embedded store works it out itself).
        model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/m-") else None
        try:
            version = self.client.create_model_version(self.name, model_uri, run_id=run_id,
                                                       model_id=model_id)
        except MlflowException as exc:
            raise ModelArtifactError(f"could not register {model_uri}: {exc.message}") from exc
        self.client.set_registered_model_alias(self.name, CHALLENGER, version.version)
        log.info("registered %s version %s as %s", self.name, version.version, CHALLENGER)
        return str(version.version)

    def gates(self, candidate: ModelVersion,
              thresholds: FairnessThresholds | None = None) -> list[GateVerdict]:
        """Quality gate (validation NDCG@k against the champion) and every fairness gate."""
        return [self._quality_gate(candidate), *self._fairness_gates(candidate, thresholds)]

    def _quality_gate(self, candidate: ModelVersion) -> GateVerdict:
        metric = f"ndcg_at_{self.training.k}"
        tolerance = self.training.ndcg_tolerance
        mine = self.run_metrics(candidate).get(metric)
        champion = self.champion()
        gate = f"{metric} vs champion"
        if mine is None:
            return GateVerdict(gate, None, None, ">=", False, "the run logged no validation NDCG")
        if champion is None:
            return GateVerdict(gate, mine, None, ">=", True, "no champion yet")
        run = self.run_of(candidate)
        same_data = (run.data.tags.get(COMPARED_CHAMPION_TAG) == str(champion.version)
                     and f"champion_{metric}" in run.data.metrics)
        if same_data:
            reference = run.data.metrics[f"champion_{metric}"]
            where = f"champion v{champion.version} on this run's validation data"
        else:
            reference = self.run_metrics(champion).get(metric, math.nan)
            where = f"champion v{champion.version} on its own validation data"
        limit = reference - tolerance
        passed = not math.isnan(limit) and mine >= limit
        return GateVerdict(gate, mine, limit, ">=", passed,
                           f"[{where}: {reference:.4f}, tolerance {tolerance}]")

    def _fairness_gates(self, candidate: ModelVersion,
                        thresholds: FairnessThresholds | None) -> list[GateVerdict]:
        from matcher.fairness.gates import check_gates

        results = check_gates(StoredGateValues(self._stored_gate_values(candidate)),
                              thresholds or self.thresholds)
        return [GateVerdict(f"fairness {r.metric}", r.value, r.threshold, r.comparison, r.passed,
                            r.detail) for r in results]

    def _stored_gate_values(self, candidate: ModelVersion) -> dict[str, tuple[float | None, str]]:
        import mlflow

        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = mlflow.artifacts.download_artifacts(
                    run_id=candidate.run_id, artifact_path=GATE_VALUES_ARTIFACT, dst_path=tmp)
                stored = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, mlflow.exceptions.MlflowException):
            log.warning("run %s recorded no fairness gate values", candidate.run_id)
            return {}
        return {name: (entry["value"], entry["reason"]) for name, entry in stored.items()}

    def promote(self, ref: str | None = None, *, force: bool = False, by: str | None = None,
                thresholds: FairnessThresholds | None = None) -> PromotionResult:
        """Move ``champion`` to a version (default the challenger) when every gate passes.

        With ``force`` the failed gates are recorded on the version with who forced it; without
        it, failed gates raise :class:`PromotionRefused` and nothing changes.
        """
        candidate = self.version(ref)
        previous = self.champion()
        if previous is not None and previous.version == candidate.version:
            raise ValueError(f"version {candidate.version} is already the {CHAMPION}")
        verdicts = self.gates(candidate, thresholds)
        failed = [g for g in verdicts if not g.passed]
        if failed and not force:
            raise PromotionRefused(str(candidate.version), failed)
        who = by or current_user()
        tags = {"promoted_by": who, "promoted_at": _now(),
                "previous_champion": str(previous.version) if previous is not None else ""}
        if force:
            tags |= {"forced_by": who, "forced_failed_gates": "; ".join(str(g) for g in failed)}
        for key, value in tags.items():
            self.client.set_model_version_tag(self.name, candidate.version, key, value)
        self.client.set_registered_model_alias(self.name, CHAMPION, candidate.version)
        log.info("%s version %s is the %s%s", self.name, candidate.version, CHAMPION,
                 f" (forced by {who})" if force else "")
        return PromotionResult(str(candidate.version),
                               str(previous.version) if previous is not None else None,
                               verdicts, who if force else None)

    def rollback(self, by: str | None = None) -> tuple[str, str]:
        """Point ``champion`` back at the version it replaced; returns (from, to)."""
        current = self.champion()
        if current is None:
            raise LookupError(f"model {self.name!r} has no {CHAMPION} to roll back")
        previous = current.tags.get("previous_champion", "")
        if not previous:
            raise LookupError(f"{CHAMPION} version {current.version} has no previous champion "
                              "to roll back to")
        who = by or current_user()
        self.client.set_model_version_tag(self.name, current.version, "rolled_back_by", who)
        self.client.set_model_version_tag(self.name, current.version, "rolled_back_at", _now())
        self.client.set_registered_model_alias(self.name, CHAMPION, previous)
        log.info("%s champion rolled back from %s to %s by %s", self.name, current.version,
                 previous, who)
        return str(current.version), previous

    # ------------------------------------------------------------------ loading

    def load_ranker(self, ref: str = CHAMPION) -> tuple[BoostedRanker, str]:
        """The booster of a version as a ranker, and the version number."""
        ranker, _, version = self.load_model(ref)
        return ranker, version

    def load_model(self, ref: str = CHAMPION) -> tuple[BoostedRanker, AcceptanceModel | None, str]:
        """A version's ranker, its acceptance model (None when it has none) and its number."""
        version = str(self.version(ref).version)
        ranker, acceptance = load_version(self.tracking.uri, self.name, version)
        return ranker, acceptance, version
