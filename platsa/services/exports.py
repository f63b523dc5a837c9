"""The research export: placement history for data scientists, pseudonymised and coarsened.

Only participants who consented to research are in it. Each export names them by a pseudonym
keyed with a fresh random salt (never stored), so the same person has one pseudonym within
an export and an unrelated one in the next: two exports cannot be joined person by person.
Birth years become five-year bands (``1985-1989``) and dates months (``2026-05``); free
text, home location, adaptation needs and their notes are never in it. Text cells are
neutralised against spreadsheet formulas (:func:`matcher.io.cells.neutralised`).
"""

from __future__ import annotations

import csv
import io
import secrets

import pandas as pd

from matcher.io.cells import safe_frame
from platsa.services.security import Pseudonymizer

COLUMNS = ("participant", "municipality_code", "gender", "birth_year", "swedish_level",
           "schooling_years", "opening_id", "status", "decline_reason", "created_at",
           "ended_at", "outcome_90")
BAND_YEARS = 5
MONTHS = ("created_at", "ended_at")


def birth_band(year: int) -> str:
    """The five-year band a birth year falls in: 1987 → ``1985-1989``."""
    start = year - year % BAND_YEARS
    return f"{start}-{start + BAND_YEARS - 1}"


def research_rows(frames: dict[str, pd.DataFrame], pseudo: Pseudonymizer,
                  salt: str | None = None) -> pd.DataFrame:
    """The export's rows: consenting participants' placements, coarsened, pseudonymised
    under ``salt`` (a fresh random one by default)."""
    salt = salt or secrets.token_hex(16)
    people = frames["participants"]
    people = people[people["consent_research"].astype(bool)]
    rows = frames["placements"].merge(people, left_on="participant_id", right_on="id",
                                      suffixes=("", "_participant"))
    rows["participant"] = [pseudo.pseudonym(p, f"export:{salt}") for p in rows["participant_id"]]
    rows["birth_year"] = [birth_band(int(year)) for year in rows["birth_year"]]
    for column in MONTHS:
        rows[column] = pd.to_datetime(rows[column]).dt.strftime("%Y-%m")
    return rows.loc[:, list(COLUMNS)]


def research_csv(rows: pd.DataFrame) -> str:
    """The rows as CSV, safe to open in a spreadsheet."""
    buffer = io.StringIO()
    safe_frame(rows).to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()
