"""The same ranker fit on a Dask cluster (``platsa train --engine dask``), for pairs that do not
fit one machine's memory.

The labelled pairs travel as a Parquet dataset (:func:`write_pairs`: one file per part, each
holding whole ranking groups); the workers read their parts themselves through dask
dataframes (:func:`read_pairs`), so no process but a worker holds its share of the rows (the
driver holds at most a bounded sample, below), and ``lightgbm.dask`` trains one booster
data-parallel over them. The result is a plain
:class:`~models.ranking.BoostedRanker`, so everything downstream (evaluation, logging,
serving) does not know which engine trained it.

The binary ranker boosts from the calibrated rule, as on one machine
(:meth:`~models.ranking.BoostedRanker.plan_from_rule`): a sample of whole participants (at
most :data:`~models.ranking.CV_ROWS` rows, :func:`sample_pairs`) is read into this process,
where the rule is calibrated and distilled and grouped cross-validation chooses how many
correction trees each stage keeps (one machine cross-validates on the same size of sample).
The workers then grow those trees on every row, starting from the distilled rule (LightGBM's
``init_model``).

Plain trees (``from_rule=False``, and lambdarank) have no such plan, and ``lightgbm.dask`` no
early stopping: the booster is grown to ``n_estimators`` with the validation metric (NDCG or
log-loss) recorded every round, and the round where single-machine early stopping would have
stopped is picked afterwards (:func:`early_stopping_round`), which gives the same choice on
the same curve.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.ranking import CV_ROWS, BoostedRanker, sample_groups

if TYPE_CHECKING:
    import dask.array as da
    import dask.dataframe as dd
    from distributed import Client

log = logging.getLogger(__name__)
LABEL = "label"
QUERY = "query"
#: Rows per Parquet part: small enough that a worker holds many, large enough to read fast.
ROWS_PER_PART = 250_000
MISSING = "--engine dask needs the dask extra: pip install 'platsa[dask]'"


class DaskMissingError(ModuleNotFoundError):
    """The dask extra is not installed."""


def require_dask() -> None:
    """Fail with one clear line when dask or distributed is not installed."""
    import importlib.util

    if any(importlib.util.find_spec(name) is None for name in ("dask", "distributed")):
        raise DaskMissingError(MISSING)

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


def round_to_keep(evals: Mapping[str, Any], metric: str, patience: int, higher_is_better: bool,
                  rounds: int) -> int:
    """The round early stopping keeps, from the validation curve ``lightgbm.dask`` returns.

    That curve is only the returning worker's share of the validation set (LightGBM issue
    #6963), and absent when the scheduler gave that worker no validation part (it does, now and
    then, with two workers and two parts). Then all ``rounds`` are kept: the fit finishes,
    and promotion compares the model with what serves on held-out participants anyway.
    """
    curves = evals.get("valid_0")
    curve = curves.get(metric) if isinstance(curves, Mapping) else None  # or "not evaluated"
    if not curve:
        log.warning("the Dask worker that returned the model held no validation part: no early "
                    "stopping, keeping all %d rounds", rounds)
        return rounds
    return early_stopping_round(curve, patience, higher_is_better)


def _partitions(group: np.ndarray, parts: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row chunks and group chunks that keep every ranking group inside one partition."""
    blocks = [b for b in np.array_split(np.arange(len(group)), max(1, min(parts, len(group)))) if b.size]
    return tuple(int(group[b].sum()) for b in blocks), tuple(len(b) for b in blocks)


def write_pairs(folder: Path, X: np.ndarray, y: np.ndarray, group: np.ndarray,
                feature_names: Sequence[str], parts: int | None = None) -> Path:
    """Write labelled pairs as a Parquet dataset for :func:`read_pairs`: the feature columns,
    ``label`` and ``query`` (the group's number), whole groups per file. ``parts`` defaults to
    one per :data:`ROWS_PER_PART` rows."""
    group = np.asarray(group, dtype=np.int64)
    parts = parts or max(1, -(-len(X) // ROWS_PER_PART))
    rows, groups = _partitions(group, parts)
    folder.mkdir(parents=True, exist_ok=True)
    row_start, group_start = 0, 0
    for number, (n_rows, n_groups) in enumerate(zip(rows, groups, strict=True)):
        chunk = slice(row_start, row_start + n_rows)
        frame = pd.DataFrame(np.asarray(X[chunk], dtype=np.float64), columns=list(feature_names))
        frame[LABEL] = np.asarray(y[chunk])
        frame[QUERY] = np.repeat(np.arange(group_start, group_start + n_groups),
                                 group[group_start:group_start + n_groups])
        frame.to_parquet(folder / f"part-{number:05d}.parquet", index=False, row_group_size=len(frame))
        row_start, group_start = row_start + n_rows, group_start + n_groups
    return folder


def _group_sizes(queries: pd.Series) -> pd.Series:
    """Rows per ranking group within one partition, in row order (groups are contiguous)."""
    return queries.groupby(queries, sort=False).size()


def _groups_in(path: Path) -> int:
    """How many groups a part holds, from the Parquet statistics of its ``query`` column (its
    queries are consecutive numbers), without reading the rows."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(path).metadata
    column = metadata.schema.names.index(QUERY)
    stats = [metadata.row_group(i).column(column).statistics for i in range(metadata.num_row_groups)]
    return int(max(s.max for s in stats) - min(s.min for s in stats) + 1) if stats else 0


def read_pairs(folder: Path, feature_names: Sequence[str]) -> tuple[dd.DataFrame, dd.Series, da.Array]:
    """The pairs of :func:`write_pairs` as lazy dask collections, one partition per part (read
    by the worker that gets it): features, labels, and the group sizes chunked like the
    partitions, which is how ``lightgbm.dask`` takes groups."""
    frame = _frame(folder)
    sizes = frame[QUERY].map_partitions(_group_sizes, meta=(QUERY, "int64"))
    return (frame[list(feature_names)], frame[LABEL],
            sizes.to_dask_array(lengths=[_groups_in(part) for part in _parts(folder)]))


def _parts(folder: Path) -> list[Path]:
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"{folder}: no Parquet parts of labelled pairs")
    return parts


def _frame(folder: Path) -> dd.DataFrame:
    """The pairs as one lazy dask dataframe, a partition per part, in order."""
    import dask.dataframe as dd

    return dd.from_map(pd.read_parquet, _parts(folder))


def sample_pairs(folder: Path, feature_names: Sequence[str], limit: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Randomly drawn whole groups of the pairs of :func:`write_pairs`, about ``limit`` rows,
    read into this process in their stored order: features, labels and group sizes."""
    _, _, sizes = read_pairs(folder, feature_names)
    group = np.asarray(sizes.compute(), dtype=np.int64)
    kept = sample_groups(group, limit, seed)  # the groups' positions are their query numbers
    frame = _frame(folder)
    rows = frame[frame[QUERY].isin(kept.tolist())].compute()
    return rows[list(feature_names)].to_numpy(np.float64), rows[LABEL].to_numpy(), group[kept]


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


def fit_dask(ranker: BoostedRanker, client: Client, train: Path, valid: Path,
             feature_names: Sequence[str]) -> BoostedRanker:
    """Fit ``ranker``'s parameters on the cluster from the Parquet datasets ``train`` and
    ``valid`` (:func:`write_pairs`); the workers read them."""
    import dask
    from lightgbm.dask import DaskLGBMClassifier, DaskLGBMRanker

    if ranker.boosts_rule:
        return _fit_from_rule(ranker, client, train, feature_names)
    dX, dy, dgroup = read_pairs(train, feature_names)
    vX, vy, vgroup = read_pairs(valid, feature_names)
    rows, labels, valid_max = dask.compute(dy.size, dy.unique(), vy.max())
    if rows == 0:
        raise ValueError("cannot fit a ranker on zero rows")
    ranker.check_labels(np.asarray(labels))
    max_label = int(max(np.max(labels), valid_max))
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
    fitted.best_iteration_ = round_to_keep(model.evals_result_, metric, ranker.early_stopping_rounds,
                                           higher_is_better, model.booster_.current_iteration())
    log.info("fitted %s ranker on %d Dask workers: %d rows, %d trees", ranker.objective,
             len(client.scheduler_info()["workers"]), rows, fitted.best_iteration_)
    return fitted


def _fit_from_rule(ranker: BoostedRanker, client: Client, train: Path,
                   feature_names: Sequence[str]) -> BoostedRanker:
    """Boost from the rule: planned on a sample here, the planned trees grown by the workers."""
    from lightgbm.dask import DaskLGBMClassifier

    names = list(feature_names)
    X, y, group = sample_pairs(train, names, CV_ROWS, ranker.random_state)
    if len(y) == 0:
        raise ValueError("cannot fit a ranker on zero rows")
    ranker.check_labels(y)
    plan = ranker.plan_from_rule(X, y.astype(np.float64), group, names)
    dX, dy, _ = read_pairs(train, names)
    booster = plan.start
    for params, n in plan.growth():
        model = DaskLGBMClassifier(client=client, n_jobs=1, n_estimators=n, **params)
        model.fit(dX, dy, feature_name=names, init_model=booster)
        booster = model.booster_
    fitted = BoostedRanker(**ranker.get_params()).fit_planned(plan, booster, names)
    log.info("fitted binary ranker from the rule on %d Dask workers: correction trees %s",
             len(client.scheduler_info()["workers"]), fitted.correction_trees_)
    return fitted
