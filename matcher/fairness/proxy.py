"""Proxy audit: how much the ranking features reveal a participant's gender.

Gender is not a feature, but features can stand in for it (childcare needs, prior trades,
schooling). If a simple classifier predicts gender from the features well, a ranker can
discriminate without ever seeing gender. The audit reports the cross-validated AUC of a
logistic regression (0.5: no information) and each feature's own AUC, so the strongest
proxies are named in the report rather than hidden in a single number.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.domain import Gender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProxyAudit:
    """Cross-validated AUC of predicting women vs men from the features, and per feature."""

    auc: float | None
    n_women: int
    n_men: int
    feature_auc: dict[str, float] = field(default_factory=dict)
    message: str = ""

    def top_proxies(self, n: int = 5) -> list[tuple[str, float]]:
        """The ``n`` features that separate the groups best (AUC folded so 0.3 counts as 0.7)."""
        folded = {name: max(a, 1.0 - a) for name, a in self.feature_auc.items()}
        return sorted(folded.items(), key=lambda item: -item[1])[:n]

    def to_dict(self) -> dict[str, Any]:
        return {"auc": self.auc, "n_women": self.n_women, "n_men": self.n_men,
                "message": self.message, "top_proxies": dict(self.top_proxies()),
                "feature_auc": dict(self.feature_auc)}


def proxy_audit(X: npt.ArrayLike, genders: Sequence[str], feature_names: Sequence[str],
                *, folds: int = 5, random_state: int = 0) -> ProxyAudit:
    """Cross-validated AUC of a logistic regression predicting "woman" from ``X``.

    Rows of other or unrecorded gender are left out (the question is women vs men). Missing
    feature values are imputed with the median and features standardised, so the classifier
    is simple but not handicapped by scale. With too few rows of either group to fold, the
    audit says so instead of reporting a number.
    """
    matrix = np.asarray(X, dtype=np.float64)
    labels = np.asarray(genders, dtype=object)
    if matrix.ndim != 2 or matrix.shape[1] != len(feature_names):
        raise ValueError(f"X has shape {matrix.shape}, expected (n, {len(feature_names)})")
    if len(labels) != len(matrix):
        raise ValueError(f"{len(labels)} genders for {len(matrix)} feature rows")
    keep = np.isin(labels, [Gender.WOMAN.value, Gender.MAN.value])
    matrix, y = matrix[keep], (labels[keep] == Gender.WOMAN.value).astype(int)
    n_women, n_men = int(y.sum()), int(len(y) - y.sum())
    if min(n_women, n_men) < folds:
        return ProxyAudit(None, n_women, n_men,
                          message=f"too few rows to cross-validate with {folds} folds "
                                  f"(women: {n_women}, men: {n_men}); proxy AUC not computed")
    auc = _cross_validated_auc(matrix, y, folds, random_state)
    per_feature = {name: _feature_auc(matrix[:, i], y) for i, name in enumerate(feature_names)}
    log.info("proxy audit: AUC %.3f on %d women and %d men", auc, n_women, n_men)
    return ProxyAudit(auc, n_women, n_men, per_feature,
                      message=f"gender predicted from {len(feature_names)} features with AUC {auc:.3f}")


def _cross_validated_auc(matrix: np.ndarray, y: np.ndarray, folds: int, random_state: int) -> float:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                          StandardScaler(), LogisticRegression(max_iter=1000))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    probability = cross_val_predict(model, matrix, y, cv=splitter, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, probability))


def _feature_auc(values: np.ndarray, y: np.ndarray) -> float:
    """AUC of one feature as a score for "woman" (missing values count as the median)."""
    from sklearn.metrics import roc_auc_score

    known = values[~np.isnan(values)]
    filled = np.where(np.isnan(values), np.median(known) if known.size else 0.0, values)
    return float(roc_auc_score(y, filled))
