"""Domain records from flat frames (as stored, imported or generated)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from matcher.domain import Participant
from matcher.flat import Kind, present, row_to_record


def records_from_frame(kind: Kind, frame: pd.DataFrame) -> list[Any]:
    """Domain records from a flat frame (as stored or generated).

    Any optional column may be absent and any optional cell missing (NaN, NaT, ``pandas.NA``,
    None or empty): the model's default applies, as for an empty cell in an import file.
    """
    return [row_to_record(kind, present(row)) for row in frame.to_dict("records")]


def participants_by_id(frame: pd.DataFrame) -> dict[str, Participant]:
    """Participants keyed by id, validated through the domain model."""
    return {p.id: p for p in records_from_frame(Kind.PARTICIPANTS, frame)}
