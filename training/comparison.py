"""A candidate against what serves now, on the same validation rows, with a paired interval.

What serves now is the champion or, before one exists, the transparent rule
(:func:`models.loader.rule_model`). Both rank the candidate run's own validation participants
(held out of the candidate's training, newer than it); each participant's NDCG@k under the
candidate minus under the reference is one paired difference, and the bootstrap over
participants gives the interval of their mean. The quality gate passes only when the whole
interval is above the required gain (``PLATSA_TRAINING_MIN_NDCG_GAIN``, default 0): a
candidate that is not better is refused.

Training stores the validation rows with the run (:data:`VALIDATION_ROWS_ARTIFACT`), so a
promotion days later compares with the champion of that day on exactly those rows.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation import evaluate_rankings
from matcher.fairness.gates import Estimate
from matcher.fairness.uncertainty import Bootstrap, mean_interval
from training.dataset import LabelledPairs

#: Run artifact holding the validation rows (features, labels, keys) the run was scored on.
VALIDATION_ROWS_ARTIFACT = "validation/pairs.npz"
#: Run artifact listing the participants the run trained on (left out when it is the reference).
TRAIN_PARTICIPANTS_ARTIFACT = "validation/train_participants.txt"
#: Version tags recording the last comparison (``platsa models info`` shows them).
TAG_PREFIX = "comparison."


@dataclass(frozen=True)
class Comparison:
    """Candidate and reference NDCG@k on the same participants, and the paired difference."""

    reference: str  # "champion v3" or "rule rule-v1"
    metric: str  # "ndcg_at_10"
    candidate: float
    reference_value: float
    difference: float
    low: float
    high: float
    participants: int
    note: str = ""

    def estimate(self) -> Estimate:
        """The difference as a gate reads it (interval over participants)."""
        where = f"{self.candidate:.4f} vs {self.reference_value:.4f} on the candidate's " \
                f"{self.participants:,} held-out validation participants"
        return Estimate(self.difference, f"[{where}{'; ' + self.note if self.note else ''}]",
                        self.low, self.high, {"participants": self.participants})

    def tags(self) -> dict[str, str]:
        """Version tags (MLflow version tags are strings)."""
        return {f"{TAG_PREFIX}{name}": str(value) for name, value in asdict(self).items()}

    def metrics(self) -> dict[str, float]:
        """Run metrics (``compared.difference`` …)."""
        return {"compared.candidate": self.candidate, "compared.reference": self.reference_value,
                "compared.difference": self.difference, "compared.low": self.low,
                "compared.high": self.high}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.metric} {self.candidate:.4f} vs {self.reference} {self.reference_value:.4f}: "
                f"difference {self.difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}] "
                f"(paired bootstrap over {self.participants:,} validation participants)"
                + (f"; {self.note}" if self.note else ""))


def per_participant_ndcg(pairs: LabelledPairs, scores: np.ndarray, k: int) -> np.ndarray:
    """Each participant's NDCG@k, in participant id order (the same for any scores)."""
    report = evaluate_rankings(pairs.participant_ids, pairs.opening_ids, scores, pairs.y, k=k)
    return report.per_query["ndcg"].to_numpy(np.float64)


def compare_paired(pairs: LabelledPairs, candidate_scores: np.ndarray, reference_scores: np.ndarray,
                   reference: str, k: int, bootstrap: Bootstrap, note: str = "") -> Comparison:
    """The candidate against the reference on the same rows: means and the paired interval."""
    mine = per_participant_ndcg(pairs, candidate_scores, k)
    theirs = per_participant_ndcg(pairs, reference_scores, k)
    interval = mean_interval(mine - theirs, bootstrap)
    if interval is None:
        raise ValueError("the validation rows hold no participant to compare on")
    return Comparison(reference, f"ndcg_at_{k}", float(mine.mean()), float(theirs.mean()),
                      float((mine - theirs).mean()), *interval, participants=len(mine), note=note)


def out_of_sample(pairs: LabelledPairs, seen: set[str]) -> tuple[LabelledPairs, str]:
    """The rows of participants the reference never trained on, and a note on any left out.

    The candidate's validation participants are held out of the candidate; a champion trained
    on later history may have learned from some of them, which would favour it.
    """
    keep = ~np.isin(pairs.participant_ids.astype(str), sorted(seen))
    dropped = len(set(pairs.participant_ids[~keep].astype(str).tolist()))
    if not dropped:
        return pairs, ""
    ids = pairs.participant_ids[keep]
    _, sizes = np.unique(ids.astype(str), return_counts=True)  # rows stay sorted by participant
    kept = LabelledPairs(X=pairs.X[keep], y=pairs.y[keep], group=sizes, participant_ids=ids,
                         opening_ids=pairs.opening_ids[keep], followed_up=pairs.followed_up[keep])
    return kept, f"{dropped:,} participants the reference trained on left out"


def write_ids(ids: np.ndarray, path: Path) -> Path:
    """Participant ids, one a line (the training participants a later comparison leaves out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{i}\n" for i in sorted(set(ids.astype(str).tolist()))), encoding="utf-8")
    return path


def save_rows(pairs: LabelledPairs, path: Path) -> Path:
    """Write validation rows as compressed NumPy arrays (no pickles: ids stored as text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=pairs.X, y=pairs.y, group=pairs.group,
                        participant_ids=pairs.participant_ids.astype(str),
                        opening_ids=pairs.opening_ids.astype(str), followed_up=pairs.followed_up)
    path.write_bytes(buffer.getvalue())
    return path


def load_rows(path: Path) -> LabelledPairs:
    """Validation rows written by :func:`save_rows`."""
    with np.load(path, allow_pickle=False) as data:
        return LabelledPairs(X=data["X"], y=data["y"], group=data["group"],
                             participant_ids=data["participant_ids"].astype(object),
                             opening_ids=data["opening_ids"].astype(object),
                             followed_up=data["followed_up"])
