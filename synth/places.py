"""The region the programme runs in: municipalities as arrays, and the coaches working there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.geo import MunicipalityInfo
from synth.sampling import jitter_points
from synth.text import ObjectArray, person_names

#: Homes and workplaces cluster around the seat town: a normal spread of this fraction of the
#: radius of a circle with the municipality's area (Malmö ≈ 3.6 km, Kristianstad ≈ 8.4 km).
SPREAD_OF_RADIUS = 0.35


@dataclass(frozen=True)
class Region:
    """Municipalities as aligned arrays; row ``i`` is municipality index ``i``."""

    codes: ObjectArray
    names: ObjectArray
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    population: npt.NDArray[np.int64]
    spread_km: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def from_infos(cls, infos: Sequence[MunicipalityInfo]) -> Region:
        if not infos:
            raise ValueError("the region has no municipalities")
        area = np.array([m.area_km2 for m in infos], dtype=float)
        return cls(
            codes=np.array([m.code for m in infos], dtype=object),
            names=np.array([m.name for m in infos], dtype=object),
            lat=np.array([m.lat for m in infos]),
            lon=np.array([m.lon for m in infos]),
            population=np.array([m.population for m in infos], dtype=np.int64),
            spread_km=SPREAD_OF_RADIUS * np.sqrt(np.maximum(area, 1.0) / np.pi),
        )

    def population_weights(self, exponent: float = 1.0) -> npt.NDArray[np.float64]:
        """Weights ∝ population^exponent (>1 concentrates employers in the big towns)."""
        weights = self.population.astype(float) ** exponent
        return weights / weights.sum()

    def scatter(self, rng: np.random.Generator, municipality: npt.NDArray[np.int64]
                ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Points around each row's municipality seat."""
        return jitter_points(rng, self.lat[municipality], self.lon[municipality],
                             self.spread_km[municipality])


@dataclass(frozen=True)
class Coaches:
    """Coaches, grouped by municipality: those of municipality ``m`` are rows
    ``first[m] : first[m] + count[m]``."""

    municipality: npt.NDArray[np.int64]
    names: ObjectArray
    first: npt.NDArray[np.int64]
    count: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.municipality)

    @classmethod
    def staff(cls, rng: np.random.Generator, region: Region, expected_participants:
              npt.NDArray[np.float64], participants_per_coach: int) -> Coaches:
        """At least one coach per municipality, more where more participants are expected."""
        count = np.maximum(1, np.ceil(expected_participants / participants_per_coach)).astype(
            np.int64
        )
        municipality = np.repeat(np.arange(len(region)), count)
        first = np.r_[0, np.cumsum(count)[:-1]].astype(np.int64)
        return cls(municipality, person_names(rng, len(municipality)), first, count)

    def assign(self, rng: np.random.Generator, municipality: npt.NDArray[np.int64]
               ) -> npt.NDArray[np.int64]:
        """A random coach of each row's municipality."""
        offset = (rng.random(len(municipality)) * self.count[municipality]).astype(np.int64)
        return self.first[municipality] + offset
