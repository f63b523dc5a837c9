"""What the learned models share as scikit-learn estimators.

Apart from :mod:`models.errors`, which the API imports at start: importing scikit-learn costs
a worker about 2 CPU seconds (it loads scipy.stats and pandas), paid only when a model is.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFitted


class NotFittedError(_SklearnNotFitted):
    """A model asked to predict before it was fitted (scikit-learn's own error, so its checks
    and callers recognise it)."""
