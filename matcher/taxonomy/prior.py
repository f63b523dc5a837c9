"""How common an occupation is: a prior for ambiguous and misspelled titles.

A title such as "läare" is one edit from both "läkare" and "lärare", and a generic word
("säljare", "montör") is shared by dozens of occupation names. In job ads such a title almost
always means the common occupation, so title search weighs each occupation by how many
people work in it (SCB employees per SSYK4) and, where known, how many openings name it.

The prior share of occupation name *i* in SSYK4 group *g* is a smoothed estimate::

    p_i = (openings_i + m · e_i) / (openings_total + m),    e_i = share_g / names_g

SCB gives the employment share ``share_g`` of each group, split evenly over the group's
names; openings, where a file gives them, sharpen it name by name. ``m`` (the weight of the
employment prior, in openings) is the number of occupation names, so a handful of openings
moves the prior only a little. Search uses the standardised log share; its weight is learned
(:mod:`matcher.taxonomy.search_fit`), never set by hand.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.fairness.segregation import jobtech_ssyk4

log = logging.getLogger(__name__)

_SCB_COLUMNS = ("code_4", "year")
_OPENINGS_COLUMN = "occupation_id"


def read_scb_employment(path: Path, year: int | None = None) -> dict[str, int]:
    """Employees per JobTech SSYK4 from an SCB table (``code_4, year`` and ``total`` or
    ``men, women``, or the county table's ``value``), for ``year`` or the latest year.

    SCB's manager levels 1xx1/1xx2 are summed into JobTech's 1xx0.
    """
    frame = pd.read_csv(path, dtype={"code_4": str})
    missing = [c for c in _SCB_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (expected an SCB table)")
    counts = _employee_counts(frame, path)
    chosen = int(frame["year"].max()) if year is None else year
    rows = frame.assign(employees=counts)[frame["year"] == chosen]
    if rows.empty:
        raise LookupError(f"{path}: no rows for year {chosen}")
    codes = rows["code_4"].str.zfill(4)
    known = set(codes)
    mapped = [jobtech_ssyk4(code, known) for code in codes]
    summed = rows.assign(code=mapped).groupby("code")["employees"].sum()
    return {str(code): int(n) for code, n in summed.items() if n > 0}


def _employee_counts(frame: pd.DataFrame, path: Path) -> pd.Series:
    """Employees per row: ``total``, ``men + women`` or (the county table) ``value``."""
    if "total" in frame.columns:
        return frame["total"]
    if {"men", "women"} <= set(frame.columns):
        return frame["men"] + frame["women"]
    if "value" in frame.columns:
        return frame["value"]
    raise ValueError(f"{path}: no total, men/women or value column with employee counts")


def read_openings(path: Path) -> dict[str, int]:
    """Openings per occupation id, counted from a CSV with an ``occupation_id`` column (the
    programme's ``openings.csv``, or any export of job ads); blank ids are skipped."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if _OPENINGS_COLUMN not in frame.columns:
        raise ValueError(f"{path}: no {_OPENINGS_COLUMN} column to count openings by")
    ids = frame[_OPENINGS_COLUMN].str.strip()
    return dict(Counter(i for i in ids if i))


def prior_shares(
    ids: Sequence[str],
    ssyk4: Sequence[str],
    employment: Mapping[str, int],
    openings: Mapping[str, int],
) -> np.ndarray | None:
    """Each occupation's prior share (sums to 1), or None when there is nothing to go on.

    Groups SCB does not cover get the smallest covered group's employment: rare rather than
    unknown, so they are neither favoured nor dropped.
    """
    if not employment and not openings:
        return None
    n = len(ids)
    names_per_group = Counter(ssyk4)
    if employment:
        floor = min(employment.values())
        group = np.asarray([employment.get(code, floor) for code in ssyk4], dtype=np.float64)
        base = group / np.asarray([names_per_group[c] for c in ssyk4], dtype=np.float64)
    else:
        base = np.ones(n)
    base /= base.sum()
    counts = np.asarray([openings.get(i, 0) for i in ids], dtype=np.float64)
    unknown = set(openings) - set(ids)
    if unknown:
        log.warning("prior: %d opening occupation ids are not in the taxonomy", len(unknown))
    return (counts + n * base) / (counts.sum() + n)


def standardised_log(shares: np.ndarray | None, n: int) -> np.ndarray:
    """The search feature: log share with mean 0 and unit spread (all 0 without a prior)."""
    if shares is None:
        return np.zeros(n, dtype=np.float32)
    logs = np.log(shares)
    spread = logs.std()
    centred = logs - logs.mean()
    return (centred / spread if spread > 0 else centred).astype(np.float32)
