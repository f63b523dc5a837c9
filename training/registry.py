"""The model registry: versions of ``platsa-ranker``, the ``challenger``/``champion`` aliases, gates.

Every training run registers a version and points ``challenger`` at it; nothing but
:meth:`ModelRegistry.promote` (gates passed, or ``force`` with a name) and
:meth:`ModelRegistry.rollback` ever moves ``champion``, so a failed or worse run cannot reach
serving. The quality gate compares the candidate with what serves now (the champion, or the
rule before one exists) on the candidate's own held-out validation rows, with a paired
bootstrap interval (:mod:`training.comparison`); every gate is pass, fail or inconclusive
(:mod:`matcher.fairness.uncertainty`), and inconclusive gates need a named person's
``accept_inconclusive``. The promotion history lives in version tags (``previous_champion``,
``promoted_by``, ``forced_by``, ``accepted_inconclusive_by``, ``comparison.*`` …), which is
what ``rollback`` follows and what ``platsa models info`` shows, and in the run's model card.

Everyone loads a version through the one loader (:mod:`models.loader`); serving loads
``models:/platsa-ranker@champion`` with it, and so does the promotion gate here.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.fairness.gates import Estimate, FairnessThresholds, GateResult, check_gates, judge
from matcher.fairness.uncertainty import Bootstrap, Verdict
from models.acceptance import AcceptanceModel
from models.loader import load_version, rule_model
from models.ranking import BoostedRanker, Ranker
from platsa.settings import Settings
from training.artifacts import MODEL_CARD, ModelArtifactError, promotion_section
from training.comparison import (
    TRAIN_PARTICIPANTS_ARTIFACT,
    VALIDATION_ROWS_ARTIFACT,
    Comparison,
    compare_paired,
    load_rows,
    out_of_sample,
)
from training.tracking import Tracking, connect

if TYPE_CHECKING:
    from mlflow.entities import Run
    from mlflow.entities.model_registry import ModelVersion

log = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
#: Run artifact holding the fairness gate values measured by the run (see :func:`gate_values_json`).
GATE_VALUES_ARTIFACT = "fairness/gate_values.json"
#: Run tag naming what served when the run was trained and compared with (see training.comparison).
COMPARED_WITH_TAG = "compared_with"


class PromotionRefused(ValueError):
    """A promotion the gates refuse: a failed gate, or an inconclusive one nobody accepted.

    Carries every verdict and the comparison with what serves now, so the caller can show the
    figures (``--json``).
    """

    def __init__(self, version: str, gates: list[GateResult], comparison: Comparison | None) -> None:
        self.version = version
        self.gates = gates
        self.comparison = comparison
        self.failed = [g for g in gates if g.verdict is Verdict.FAIL]
        self.inconclusive = [g for g in gates if g.inconclusive]
        how = ("" if self.failed else
               " (`--accept-inconclusive --by NAME` accepts inconclusive gates, and is recorded)")
        super().__init__(f"version {version} was not promoted: "
                         + "; ".join(str(g) for g in [*self.failed, *self.inconclusive]) + how)

    def to_dict(self) -> dict[str, Any]:
        return {"promoted": False, "version": self.version,
                "failed": [g.to_dict() for g in self.failed],
                "inconclusive": [g.to_dict() for g in self.inconclusive],
                "gates": [g.to_dict() for g in self.gates],
                "comparison": None if self.comparison is None else self.comparison.to_dict()}


@dataclass(frozen=True)
class StoredGateValues:
    """Fairness gate values as a run recorded them, in the shape the fairness gates read."""

    values: Mapping[str, Estimate]

    def gate_values(self) -> Mapping[str, Estimate]:
        return self.values


def gate_values_json(values: Mapping[str, Estimate]) -> str:
    """Serialise gate values for the run (Python JSON keeps an infinite difference infinite)."""
    return json.dumps({name: estimate.to_dict() for name, estimate in values.items()}, indent=2)


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion did: the new and the previous champion, the gates, the comparison with
    what served before, and who forced it or accepted inconclusive gates."""

    version: str
    previous: str | None
    gates: list[GateResult]
    forced_by: str | None
    comparison: Comparison | None = None
    accepted_inconclusive_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"promoted": True, "version": self.version, "previous": self.previous,
                "forced_by": self.forced_by, "accepted_inconclusive_by": self.accepted_inconclusive_by,
                "gates": [g.to_dict() for g in self.gates],
                "comparison": None if self.comparison is None else self.comparison.to_dict()}


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

    def bootstrap(self) -> Bootstrap:
        return Bootstrap(self.training.bootstrap_resamples, self.training.confidence, self.training.seed)

    def serving_now(self) -> tuple[str, Ranker, set[str]]:
        """What serves now: (label, ranker, the participants it trained on), champion or rule."""
        champion = self.champion()
        if champion is None:
            rule = rule_model()
            return f"rule {rule.version}", rule.ranker, set()
        ranker, _ = load_version(self.tracking.uri, self.name, str(champion.version))
        seen = self._artifact_text(champion.run_id, TRAIN_PARTICIPANTS_ARTIFACT) or ""
        return f"champion v{champion.version}", ranker, set(seen.split())

    def _artifact_text(self, run_id: str | None, path: str) -> str | None:
        """A run's text artifact, or None when the run has none."""
        import mlflow

        if not run_id:
            return None
        try:
            with tempfile.TemporaryDirectory() as tmp:
                local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path, dst_path=tmp)
                return Path(local).read_text(encoding="utf-8")
        except (OSError, mlflow.exceptions.MlflowException):
            return None

    def comparison(self, candidate: ModelVersion) -> Comparison | None:
        """The candidate against what serves now on the candidate's validation rows that the
        reference never trained on (None when the run stored no rows)."""
        import mlflow

        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = mlflow.artifacts.download_artifacts(
                    run_id=candidate.run_id, artifact_path=VALIDATION_ROWS_ARTIFACT, dst_path=tmp)
                rows = load_rows(Path(path))
        except (OSError, ValueError, mlflow.exceptions.MlflowException):
            log.warning("run %s stored no validation rows", candidate.run_id)
            return None
        mine, _ = load_version(self.tracking.uri, self.name, str(candidate.version))
        label, reference, seen = self.serving_now()
        rows, note = out_of_sample(rows, seen)
        return compare_paired(rows, mine.predict(rows.X), reference.predict(rows.X), label,
                              self.training.k, self.bootstrap(), note)

    def gates(self, candidate: ModelVersion, thresholds: FairnessThresholds | None = None
              ) -> tuple[list[GateResult], Comparison | None]:
        """Quality gate (better than what serves now) and every fairness gate, and the comparison."""
        comparison = self.comparison(candidate)
        return [self._quality_gate(comparison), *self._fairness_gates(candidate, thresholds)], comparison

    def _quality_gate(self, comparison: Comparison | None) -> GateResult:
        gain = self.training.min_ndcg_gain
        name = f"ndcg_at_{self.training.k} gain"
        if comparison is None:
            return judge(name, Estimate(None, "the run stored no validation rows to compare on"),
                         gain, ">")
        return replace(judge(name, comparison.estimate(), gain, ">"),
                       metric=f"ndcg_at_{self.training.k} gain over {comparison.reference}")

    def _fairness_gates(self, candidate: ModelVersion,
                        thresholds: FairnessThresholds | None) -> list[GateResult]:
        results = check_gates(StoredGateValues(self._stored_gate_values(candidate)),
                              thresholds or self.thresholds)
        return [replace(r, metric=f"fairness {r.metric}") for r in results]

    def _stored_gate_values(self, candidate: ModelVersion) -> dict[str, Estimate]:
        text = self._artifact_text(candidate.run_id, GATE_VALUES_ARTIFACT)
        if text is None:
            log.warning("run %s recorded no fairness gate values", candidate.run_id)
            return {}
        return {name: Estimate.from_dict(entry) for name, entry in json.loads(text).items()}

    def promote(self, ref: str | None = None, *, force: bool = False, accept_inconclusive: bool = False,
                by: str | None = None, thresholds: FairnessThresholds | None = None) -> PromotionResult:
        """Move ``champion`` to a version (default the challenger) when every gate passes.

        A failed gate refuses (:class:`PromotionRefused`) unless ``force``; an inconclusive one
        unless ``accept_inconclusive`` (or ``force``), which needs a name in ``by``. The
        comparison with what serves now is recorded on the version either way; who forced or
        accepted which gates is recorded on the version and in the run's model card.
        """
        if accept_inconclusive and not by:
            raise ValueError("accepting inconclusive gates needs the name of who decides (--by NAME)")
        candidate = self.version(ref)
        previous = self.champion()
        if previous is not None and previous.version == candidate.version:
            raise ValueError(f"version {candidate.version} is already the {CHAMPION}")
        verdicts, comparison = self.gates(candidate, thresholds)
        if comparison is not None:
            self._tag(candidate, comparison.tags())
        failed = [g for g in verdicts if g.verdict is Verdict.FAIL]
        unsure = [g for g in verdicts if g.inconclusive]
        if (failed and not force) or (unsure and not (accept_inconclusive or force)):
            raise PromotionRefused(str(candidate.version), verdicts, comparison)
        who = by or current_user()
        tags = {"promoted_by": who, "promoted_at": _now(),
                "previous_champion": str(previous.version) if previous is not None else ""}
        if force:
            tags |= {"forced_by": who, "forced_failed_gates": "; ".join(str(g) for g in failed)}
        accepted = who if unsure and not force else None
        if accepted:
            tags |= {"accepted_inconclusive_by": who,
                     "accepted_inconclusive_gates": "; ".join(str(g) for g in unsure)}
        self._tag(candidate, tags)
        self.client.set_registered_model_alias(self.name, CHAMPION, candidate.version)
        was = str(previous.version) if previous is not None else None
        result = PromotionResult(str(candidate.version), was, verdicts, who if force else None,
                                 comparison, accepted)
        self._record_on_card(candidate, result, who)
        log.info("%s version %s is the %s%s", self.name, candidate.version, CHAMPION,
                 f" (forced by {who})" if force else "")
        return result

    def _tag(self, version: ModelVersion, tags: Mapping[str, str]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(self.name, version.version, key, value)

    def _record_on_card(self, version: ModelVersion, result: PromotionResult, who: str) -> None:
        """Append the promotion (comparison, verdicts, who accepted or forced what) to the run's
        model card; a run without a card gets one holding only this section."""
        if not version.run_id:  # registered from elsewhere: no run, no card
            return
        card = self._artifact_text(version.run_id, MODEL_CARD) or ""
        section = promotion_section(result.version, _now(), who, result.previous, result.gates,
                                    None if result.comparison is None else str(result.comparison),
                                    result.forced_by, result.accepted_inconclusive_by)
        self.client.log_text(version.run_id, card + section, MODEL_CARD)

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
