"""Occupational gender segregation: does the engine steer people into gender-typed work?

Swedish labour markets are strongly gender-segregated (assistant nurses ~90 % women,
carpenters ~98 % men). A recommender trained on past placements can narrow women towards care
and men towards construction even further. The audit measures, per gender, the share of
suggestions into occupations where the participant's gender is a *minority* of workers
(gender-atypical suggestions) and compares it with the historical base rate.

Occupation gender shares come from the programme's own records (:meth:`from_counts`) or from
official statistics (:meth:`from_scb_csv`, SCB's employees by SSYK4 and sex).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.domain import Gender

_SCB_COLUMNS = ("code_4", "year", "men", "women")


def jobtech_ssyk4(code: str, scb_codes: Iterable[str]) -> str:
    """The JobTech SSYK4 for an SCB code: SCB splits managers into levels 1/2, JobTech does not.

    SCB reports e.g. 1211 and 1212 ("Finance managers, level 1/2") where JobTech has one 1210.
    A manager code ``1ab1``/``1ab2`` is such a split exactly when its three-digit group holds
    only those two codes (group 111 also has 1113: legislators, not levels, and stays).
    """
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"SSYK4 code {code!r} is not four digits")
    if code[0] != "1" or code[3] not in "12":
        return code
    siblings = {c for c in scb_codes if c[:3] == code[:3]}
    return code[:3] + "0" if siblings == {code[:3] + "1", code[:3] + "2"} else code


@dataclass(frozen=True)
class OccupationGenderShares:
    """Women's share of workers per occupation code (SSYK4 or occupation id) and its source."""

    women_share: Mapping[str, float]
    source: str

    @classmethod
    def from_scb_csv(cls, path: Path, year: int | None = None) -> OccupationGenderShares:
        """Read SCB's derived ``code_4, year, men, women, ...`` table (national or a county).

        Uses ``year`` or the latest year in the file; manager levels are merged into JobTech's
        codes (counts summed, so the share is a proper weighted share).
        """
        frame = pd.read_csv(path, dtype={"code_4": str})
        missing = [c for c in _SCB_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{path}: missing columns {missing} (expected SCB code_4, year, men, women)")
        chosen = int(frame["year"].max()) if year is None else year
        rows = frame[frame["year"] == chosen]
        if rows.empty:
            raise LookupError(f"{path}: no rows for year {chosen}; years: {sorted(frame['year'].unique())}")
        codes = rows["code_4"].str.zfill(4)
        mapped = [jobtech_ssyk4(c, set(codes)) for c in codes]
        summed = rows.assign(code=mapped).groupby("code")[["men", "women"]].sum()
        total = summed["men"] + summed["women"]
        summed = summed[total > 0]
        shares = (summed["women"] / (summed["men"] + summed["women"])).astype(float)
        return cls(shares.to_dict(), f"SCB {Path(path).name} {chosen}")

    @classmethod
    def from_counts(cls, codes: Sequence[str | None], genders: Sequence[str],
                    source: str = "programme", min_workers: int = 1) -> OccupationGenderShares:
        """Shares from the programme's own records: one row per worker (code, recorded gender).

        Only women and men count (the share is of the two); codes seen fewer than
        ``min_workers`` times are left out, as their share would be noise.
        """
        frame = pd.DataFrame({"code": list(codes), "gender": list(genders)})
        frame = frame[frame["code"].notna() & (frame["code"] != "")
                      & frame["gender"].isin([Gender.WOMAN.value, Gender.MAN.value])]
        counts = frame.groupby("code")["gender"].agg(
            women=lambda s: int((s == Gender.WOMAN.value).sum()), workers="size")
        counts = counts[counts["workers"] >= min_workers]
        return cls((counts["women"] / counts["workers"]).astype(float).to_dict(), source)

    def get(self, code: str | None) -> float:
        """Women's share for a code; NaN when unknown (the suggestion is then not classified)."""
        if not code:
            return math.nan
        return float(self.women_share.get(code, math.nan))

    def is_minority(self, code: str | None, gender: str, below: float = 0.5) -> float:
        """1.0 when ``gender`` is under ``below`` of the occupation's workers (half: a minority),
        0.0 when not, NaN unknown.

        Only women and men have a share; other groups give NaN (not classified). A lower
        ``below`` asks for a clearer minority, as the matcher's 'widen horizons' does
        (:attr:`matcher.recommend.RecommenderConfig.atypical_share`).
        """
        share = self.get(code)
        if math.isnan(share) or gender not in (Gender.WOMAN.value, Gender.MAN.value):
            return math.nan
        own = share if gender == Gender.WOMAN.value else 1.0 - share
        return float(own < below)

    def atypical_share(self, codes: Sequence[str | None], gender: str) -> float:
        """Share of ``codes`` (one person's suggestions) that are gender-atypical for them.

        Codes without a known share are left out; NaN when none is known.
        """
        flags = np.array([self.is_minority(c, gender) for c in codes], dtype=np.float64)
        known = flags[~np.isnan(flags)]
        return float(known.mean()) if known.size else math.nan
