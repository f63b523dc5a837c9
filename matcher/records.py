"""Domain records from flat frames (as stored, imported or generated)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from matcher.domain import Participant
from matcher.flat import Kind, row_to_record


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def records_from_frame(kind: Kind, frame: pd.DataFrame) -> list[Any]:
    """Domain records from a flat frame (as stored or generated); missing cells use defaults."""
    records = []
    for row in frame.to_dict("records"):
        cleaned = {k: _clean(v) for k, v in row.items()}
        records.append(row_to_record(kind, {k: v for k, v in cleaned.items() if v is not None}))
    return records


def participants_by_id(frame: pd.DataFrame) -> dict[str, Participant]:
    """Participants keyed by id, validated through the domain model."""
    return {p.id: p for p in records_from_frame(Kind.PARTICIPANTS, frame)}
