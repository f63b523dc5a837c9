"""The same ranker fit on a Dask cluster (``platsa train --engine dask``).

``lightgbm.dask`` trains one booster data-parallel over the workers, each holding whole
ranking groups. It has no early stopping, so the booster is grown to ``n_estimators`` with
the validation metric (NDCG or log-loss) recorded every round, and the round where
single-machine early stopping would have stopped is picked afterwards
(:func:`early_stopping_round`), which gives the same choice on the same curve. The result is
a plain :class:`~models.ranking.BoostedRanker`, so everything downstream (evaluation,
logging, serving) does not know which engine trained it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from models.ranking import BoostedRanker

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

def early_stopping_round(curve: Sequence[float], patience: int, higher_is_better: bool = True) -> int:
    """The 1-based round LightGBM's early stopping keeps for a validation curve.

    Stops at the first round that is ``patience`` rounds past the best so far; the best is the
    first round reaching the best value seen until then (the maximum of an NDCG curve, the
    minimum of a log-loss curve).
    """
    if not curve:
        raise ValueError("cannot pick a round from an empty validation curve")
    sign = 1.0 if higher_is_better else -1.0
    best, best_value = 0, sign * curve[0]
    for i, value in enumerate(curve):
        if sign * value > best_value:
            best, best_value = i, sign * value
        elif i - best >= patience:
            break
    return best + 1


def _partitions(group: np.ndarray, parts: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row chunks and group chunks that keep every ranking group inside one partition."""
    blocks = [b for b in np.array_split(np.arange(len(group)), max(1, min(parts, len(group)))) if b.size]
    return tuple(int(group[b].sum()) for b in blocks), tuple(len(b) for b in blocks)


def _dask_arrays(X: np.ndarray, y: np.ndarray, group: np.ndarray, parts: int) -> tuple[Any, Any, Any]:
    import dask.array as da

    rows, groups = _partitions(np.asarray(group, dtype=np.int64), parts)
    return (da.from_array(np.asarray(X, dtype=np.float64), chunks=(rows, X.shape[1])),
            da.from_array(np.asarray(y), chunks=(rows,)),
            da.from_array(np.asarray(group, dtype=np.int64), chunks=(groups,)))


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler``, or of a LocalCluster started for the block.

    Local workers are processes with one thread each: LightGBM's network is one per process.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with (LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                       dashboard_address=None) as cluster, Client(cluster) as client):
        yield client


def fit_dask(ranker: BoostedRanker, client: Client, train: tuple[np.ndarray, np.ndarray, np.ndarray],
             valid: tuple[np.ndarray, np.ndarray, np.ndarray], feature_names: Sequence[str]) -> BoostedRanker:
    """Fit ``ranker``'s parameters on the cluster; ``train``/``valid`` are ``(X, y, group)``."""
    from lightgbm.dask import DaskLGBMClassifier, DaskLGBMRanker

    X, y, group = train
    if len(X) == 0:
        raise ValueError("cannot fit a ranker on zero rows")
    ranker.check_labels(np.asarray(y))
    parts = len(client.scheduler_info()["workers"])
    max_label = int(max(np.max(y), np.max(valid[1])))
    dX, dy, dgroup = _dask_arrays(X, y, group, parts)
    vX, vy, vgroup = _dask_arrays(*valid, parts)
    params = ranker.lgbm_params(max_label, feature_names)
    if ranker.ranks_groups:
        model = DaskLGBMRanker(client=client, n_jobs=1, **params)
        model.fit(dX, dy, group=dgroup, eval_X=(vX,), eval_y=(vy,), eval_group=[vgroup],
                  eval_at=list(ranker.eval_at), feature_name=list(feature_names))
    else:
        model = DaskLGBMClassifier(client=client, n_jobs=1, **params)
        model.fit(dX, dy, eval_X=(vX,), eval_y=(vy,), feature_name=list(feature_names))
    metric, higher_is_better = ranker.validation_metric
    fitted = BoostedRanker.from_booster(model.booster_)
    fitted.best_iteration_ = early_stopping_round(model.evals_result_["valid_0"][metric],
                                                  ranker.early_stopping_rounds, higher_is_better)
    log.info("fitted %s ranker on %d Dask workers: %d rows, %d trees", ranker.objective, parts,
             len(X), fitted.best_iteration_)
    return fitted
