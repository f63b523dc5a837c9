"""Where participants live and work, and how long the trip between the two takes.

The generator and the matcher both need a commute time for millions of participant–opening
pairs, so everything here is vectorised over numpy arrays. Real travel-time matrices are rarely
available for a whole region, so :func:`estimate_commute_minutes` gives a documented
public-transport estimate from straight-line distance, and :class:`TravelTimeMatrix` uses
measured times where a CSV provides them and falls back to the estimate elsewhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

EARTH_RADIUS_KM = 6371.0088

#: Roads and rail lines are not straight: trip length ≈ 1.3 × straight-line distance, a common
#: rule of thumb for Swedish road networks outside city centres.
DETOUR_FACTOR = 1.3

#: Walking to the stop, waiting and walking from the stop, paid once per trip.
FIXED_MINUTES = 10.0

#: Door-to-door public-transport speed (km/h of trip length) by distance band. Short trips
#: are slow (city buses, stops, transfers); longer ones use regional buses and then
#: Pågatåg/Öresundståg trains. Bands are (upper edge in km, speed inside the band).
SPEED_BANDS_KMH: tuple[tuple[float, float], ...] = (
    (5.0, 20.0),
    (20.0, 40.0),
    (60.0, 70.0),
    (float("inf"), 90.0),
)


@dataclass(frozen=True)
class MunicipalityInfo:
    """One kommun: code, short name, a representative point (the seat town) and its size."""

    code: str
    name: str
    lat: float
    lon: float
    population: int
    area_km2: float


#: Skåne's 33 municipalities. Populations and areas as in SCB's figures republished by
#: svensktext/kommundata; the point is the seat town's centre (tätort), because Google's
#: 2015 municipality points in that file put Perstorp, Helsingborg, Ystad and Kristianstad
#: 20–80 km from their towns.
SKANE_MUNICIPALITIES: tuple[MunicipalityInfo, ...] = tuple(
    MunicipalityInfo(*row)
    for row in (
        ("1214", "Svalöv", 55.9045, 13.1160, 13919, 388.62),
        ("1230", "Staffanstorp", 55.6420, 13.2081, 23600, 107.27),
        ("1231", "Burlöv", 55.6364, 13.0869, 17646, 19.21),
        ("1233", "Vellinge", 55.4730, 13.0282, 35257, 705.62),
        ("1256", "Östra Göinge", 56.2539, 14.0764, 14406, 451.14),
        ("1257", "Örkelljunga", 56.2836, 13.2788, 9958, 329.70),
        ("1260", "Bjuv", 56.0785, 12.9170, 15202, 115.80),
        ("1261", "Kävlinge", 55.7937, 13.1150, 30532, 292.44),
        ("1262", "Lomma", 55.6737, 13.0745, 23887, 90.20),
        ("1263", "Svedala", 55.5120, 13.2377, 20771, 227.11),
        ("1264", "Skurup", 55.4787, 13.4990, 15408, 510.95),
        ("1265", "Sjöbo", 55.6348, 13.7025, 18742, 506.64),
        ("1266", "Hörby", 55.8413, 13.6953, 15283, 433.07),
        ("1267", "Höör", 55.9293, 13.5429, 16192, 319.87),
        ("1270", "Tomelilla", 55.5512, 13.9680, 13330, 397.39),
        ("1272", "Bromölla", 56.0818, 14.4777, 12625, 197.14),
        ("1273", "Osby", 56.3824, 13.9966, 13149, 599.85),
        ("1275", "Perstorp", 56.1424, 13.3930, 7338, 161.93),
        ("1276", "Klippan", 56.1404, 13.1413, 17219, 379.41),
        ("1277", "Åstorp", 56.1343, 12.9459, 15528, 92.62),
        ("1278", "Båstad", 56.4245, 12.8371, 14614, 889.25),
        ("1280", "Malmö", 55.6050, 13.0038, 328494, 332.61),
        ("1281", "Lund", 55.7047, 13.1910, 118542, 439.91),
        ("1282", "Landskrona", 55.8751, 12.8472, 44611, 300.67),
        ("1283", "Helsingborg", 56.0468, 12.7040, 140547, 423.93),
        ("1284", "Höganäs", 56.1995, 12.5738, 25847, 668.78),
        ("1285", "Eslöv", 55.8357, 13.3144, 32878, 424.68),
        ("1286", "Ystad", 55.4295, 13.8201, 29448, 1189.26),
        ("1287", "Trelleborg", 55.3756, 13.1569, 43913, 1175.07),
        ("1290", "Kristianstad", 56.0313, 14.1524, 83191, 1817.25),
        ("1291", "Simrishamn", 55.5570, 14.3369, 19485, 1262.16),
        ("1292", "Ängelholm", 56.2457, 12.8639, 41336, 477.93),
        ("1293", "Hässleholm", 56.1593, 13.7734, 51667, 1306.39),
    )
)

#: Columns of svensktext's ``platser/kommuner.csv`` that :func:`load_municipalities` reads.
_KOMMUNER_COLUMNS = {
    "code": "code",
    "name": "name",
    "population": "population",
    "area": "area_km2",
    "location_lat_google_2015_05_28": "lat",
    "location_lng_google_2015_05_28": "lon",
}


def load_municipalities(path: Path, region: str | None = None) -> tuple[MunicipalityInfo, ...]:
    """Read municipalities from a ``kommuner.csv`` (svensktext format), optionally one län.

    ``region`` is matched against the file's ``region`` column (e.g. ``"Skåne län"``), so
    the generator can populate another region than the built-in Skåne table.
    """
    frame = pd.read_csv(path, dtype={"code": str})
    missing = sorted(set(_KOMMUNER_COLUMNS) - set(frame.columns))
    if missing:
        raise ValueError(f"{path}: not a kommuner.csv file, missing columns {missing}")
    if region is not None:
        frame = frame[frame["region"] == region]
        if frame.empty:
            raise LookupError(f"{path}: no municipality has region {region!r}")
    frame = frame.rename(columns=_KOMMUNER_COLUMNS)[list(_KOMMUNER_COLUMNS.values())]
    frame["code"] = frame["code"].str.zfill(4)
    log.info("loaded %d municipalities from %s", len(frame), path)
    return tuple(
        MunicipalityInfo(
            code=str(row.code),
            name=str(row.name),
            lat=float(row.lat),
            lon=float(row.lon),
            population=int(row.population),
            area_km2=float(row.area_km2),
        )
        for row in frame.itertuples(index=False)
    )


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> FloatArray:
    """Great-circle distance in km between points given in degrees (broadcasting)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlambda = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Points as unit vectors on the sphere, shape ``(n, 3)`` (or ``(3,)`` for one point).

    The cosine of the angle between two points is then their dot product, so "within
    ``km`` of here" over many points is one matrix-vector product against a threshold
    (:func:`within_km`), with no trigonometry per point once their vectors are stored.
    """
    phi, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def within_km(origin: FloatArray, points: FloatArray, km: float) -> npt.NDArray[np.bool_]:
    """Which ``points`` (unit vectors) lie within ``km`` great-circle distance of ``origin``.

    The same verdict as ``haversine_km(...) <= km``: distance grows as the dot product falls.
    """
    angle = km / EARTH_RADIUS_KM
    if angle >= np.pi:
        return np.ones(len(points), dtype=bool)
    return points @ origin >= np.cos(angle)


def _band_breakpoints() -> tuple[FloatArray, FloatArray]:
    """Cumulative minutes at each finite band edge, for piecewise-linear interpolation."""
    edges = [0.0]
    minutes = [0.0]
    for upper, speed in SPEED_BANDS_KMH[:-1]:
        minutes.append(minutes[-1] + (upper - edges[-1]) / speed * 60.0)
        edges.append(upper)
    return np.asarray(edges), np.asarray(minutes)


_EDGES_KM, _EDGE_MINUTES = _band_breakpoints()


def trip_minutes(trip_km: ArrayLike) -> FloatArray:
    """Door-to-door minutes for a trip of ``trip_km`` along the network.

    Each band's kilometres are travelled at that band's speed, so time grows continuously
    and never decreases with distance; beyond the last finite edge the fastest speed applies.
    """
    km = np.asarray(trip_km, dtype=float)
    last_edge, last_speed = _EDGES_KM[-1], SPEED_BANDS_KMH[-1][1]
    inside = np.interp(km, _EDGES_KM, _EDGE_MINUTES)
    beyond = np.maximum(km - last_edge, 0.0) / last_speed * 60.0
    return FIXED_MINUTES + inside + beyond


def reach_km(minutes: float) -> float:
    """The straight-line distance beyond which :func:`estimate_commute_minutes` exceeds ``minutes``.

    The inverse of the estimate (time never decreases with distance), so every point farther
    than this is certainly out of reach: a safe radius to pre-filter openings by.
    """
    if minutes <= FIXED_MINUTES:
        return 0.0
    travel = minutes - FIXED_MINUTES
    last_edge, last_speed = _EDGES_KM[-1], SPEED_BANDS_KMH[-1][1]
    if travel <= _EDGE_MINUTES[-1]:
        trip = float(np.interp(travel, _EDGE_MINUTES, _EDGES_KM))
    else:
        trip = last_edge + (travel - _EDGE_MINUTES[-1]) / 60.0 * last_speed
    return trip / DETOUR_FACTOR


@dataclass(frozen=True)
class ReachBox:
    """The latitude/longitude box around a circle: every point within the circle is inside."""

    lat: float
    lon: float
    dlat: float
    dlon: float

    @classmethod
    def around(cls, lat: float, lon: float, km: float) -> ReachBox:
        if not (np.isfinite(lat) and np.isfinite(lon)):
            raise ValueError(f"cannot search around a point without coordinates: ({lat}, {lon})")
        dlat = float(np.degrees(km / EARTH_RADIUS_KM)) * 1.001
        widest = min(abs(lat) + dlat, 89.9)  # longitude degrees are widest nearest the pole
        return cls(lat, lon, dlat, dlat / max(float(np.cos(np.radians(widest))), 1e-6))

    def contains_lon(self, lon: np.ndarray) -> np.ndarray:
        return np.abs(lon - self.lon) <= self.dlon


class LatitudeBands:
    """Find the rows near a place among rows sorted by latitude, without scanning them all.

    The rows inside a box's latitude range are one contiguous window (two binary searches),
    so callers work on array *views* of it and test longitude as a cheap mask: a superset
    of the circle (exact travel times are checked on the few survivors), never missing a
    point within reach. Rows without coordinates sort last and are in no window.
    """

    def __init__(self, lat: ArrayLike) -> None:
        self._lat = np.asarray(lat, dtype=np.float64)
        known = self._lat[np.isfinite(self._lat)]
        if (np.diff(known) < 0).any() or not np.isfinite(self._lat[: len(known)]).all():
            raise ValueError("latitudes must be sorted ascending, rows without coordinates last")

    def window(self, box: ReachBox) -> slice:
        """The rows whose latitude is inside the box."""
        low, high = np.searchsorted(self._lat, [box.lat - box.dlat, box.lat + box.dlat], side="left")
        return slice(int(low), int(high))


def estimate_commute_minutes(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> FloatArray:
    """One-way public-transport minutes between points: a rough estimate, not a timetable.

    Straight-line distance × :data:`DETOUR_FACTOR`, travelled at the band speeds of
    :data:`SPEED_BANDS_KMH`, plus :data:`FIXED_MINUTES` for walking and waiting. Malmö–Lund
    (17 km) comes out at about 49 minutes door to door.
    """
    return trip_minutes(haversine_km(lat1, lon1, lat2, lon2) * DETOUR_FACTOR)


class TravelTimeMatrix:
    """Measured travel times between zones (e.g. municipalities), with an estimate fallback.

    Lookups are vectorised: zone codes become row/column indexes into a dense matrix whose
    missing entries are NaN, and those (and unknown codes) are filled by
    :func:`estimate_commute_minutes` from the coordinates. A trip stored only in one direction
    is used for both, since public-transport times are close to symmetric.
    """

    def __init__(self, codes: list[str], minutes: FloatArray) -> None:
        if minutes.shape != (len(codes), len(codes)):
            raise ValueError(
                f"travel-time matrix shape {minutes.shape} does not match {len(codes)} zones"
            )
        self._index = pd.Index(codes)
        symmetric = np.where(np.isnan(minutes), minutes.T, minutes)
        self._minutes = symmetric

    @classmethod
    def from_csv(cls, path: Path) -> TravelTimeMatrix:
        """Read ``from_code,to_code,minutes`` rows (codes read as text, e.g. ``"1280"``)."""
        frame = pd.read_csv(path, dtype={"from_code": str, "to_code": str})
        required = {"from_code", "to_code", "minutes"}
        if not required <= set(frame.columns):
            raise ValueError(f"{path}: needs columns {sorted(required)}, has {list(frame.columns)}")
        bad = frame[~(frame["minutes"] >= 0)]
        if not bad.empty:
            row = bad.iloc[0]
            raise ValueError(
                f"{path}: minutes {row['minutes']!r} from {row['from_code']} to "
                f"{row['to_code']} is not a non-negative number"
            )
        codes = sorted(set(frame["from_code"]) | set(frame["to_code"]))
        index = pd.Index(codes)
        matrix = np.full((len(codes), len(codes)), np.nan)
        matrix[index.get_indexer(frame["from_code"]), index.get_indexer(frame["to_code"])] = frame[
            "minutes"
        ].to_numpy(dtype=float)
        log.info("loaded %d travel times between %d zones from %s", len(frame), len(codes), path)
        return cls(codes, matrix)

    @property
    def codes(self) -> list[str]:
        return list(self._index)

    def measured(self, from_codes: ArrayLike, to_codes: ArrayLike) -> FloatArray:
        """Stored minutes for each pair, NaN where the matrix has no entry."""
        rows = self._index.get_indexer(np.asarray(from_codes, dtype=object))
        cols = self._index.get_indexer(np.asarray(to_codes, dtype=object))
        known = (rows >= 0) & (cols >= 0)
        result = np.full(rows.shape, np.nan)
        result[known] = self._minutes[rows[known], cols[known]]
        return result

    def minutes(
        self,
        from_codes: ArrayLike,
        to_codes: ArrayLike,
        from_lat: ArrayLike,
        from_lon: ArrayLike,
        to_lat: ArrayLike,
        to_lon: ArrayLike,
    ) -> FloatArray:
        """Measured minutes where known, else the public-transport estimate."""
        result = self.measured(from_codes, to_codes)
        missing = np.isnan(result)
        if missing.any():
            estimate = estimate_commute_minutes(from_lat, from_lon, to_lat, to_lon)
            result[missing] = np.broadcast_to(estimate, result.shape)[missing]
        return result
