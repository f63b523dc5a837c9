"""Geography: the Skåne table, distances, the commute estimate and travel-time matrices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.geo import (
    DETOUR_FACTOR,
    FIXED_MINUTES,
    SKANE_MUNICIPALITIES,
    LatitudeBands,
    ReachBox,
    TravelTimeMatrix,
    estimate_commute_minutes,
    haversine_km,
    load_municipalities,
    reach_km,
    trip_minutes,
    unit_vectors,
    within_km,
)

BY_NAME = {m.name: m for m in SKANE_MUNICIPALITIES}
#: Points in svensktext's file that are far from the towns (Google geocoding of 2015).
KNOWN_BAD_POINTS = {"1275", "1283", "1286", "1290"}


def test_skane_table_has_33_unique_municipalities() -> None:
    codes = [m.code for m in SKANE_MUNICIPALITIES]
    assert len(codes) == 33 == len(set(codes))
    assert all(code.startswith("12") and len(code) == 4 for code in codes)
    assert BY_NAME["Malmö"].code == "1280"
    assert BY_NAME["Malmö"].population == max(m.population for m in SKANE_MUNICIPALITIES)


def test_malmo_lund_distance_is_about_17_km() -> None:
    malmo, lund = BY_NAME["Malmö"], BY_NAME["Lund"]
    assert haversine_km(malmo.lat, malmo.lon, lund.lat, lund.lon) == pytest.approx(16.5, abs=1.0)


def test_haversine_known_answers() -> None:
    assert haversine_km(55.0, 13.0, 55.0, 13.0) == 0.0
    # one degree of latitude is about 111.2 km everywhere
    assert haversine_km(55.0, 13.0, 56.0, 13.0) == pytest.approx(111.2, abs=0.1)
    # a degree of longitude shrinks with cos(latitude)
    assert haversine_km(60.0, 13.0, 60.0, 14.0) == pytest.approx(55.6, abs=0.1)


def test_haversine_broadcasts_over_arrays() -> None:
    lat = np.array([55.6, 55.7, 56.0])
    result = haversine_km(55.6, 13.0, lat, np.full(3, 13.0))
    assert result.shape == (3,)
    assert result[0] == 0.0 and result[1] < result[2]


def test_trip_minutes_known_answers() -> None:
    # 5 km inside the first band at 20 km/h is 15 minutes, plus the fixed 10
    assert trip_minutes(5.0) == pytest.approx(25.0)
    # 20 km: 15 + 15 km at 40 km/h (22.5) + 10
    assert trip_minutes(20.0) == pytest.approx(47.5)
    assert trip_minutes(0.0) == FIXED_MINUTES


def test_commute_estimates_between_towns() -> None:
    malmo, lund, simrishamn = BY_NAME["Malmö"], BY_NAME["Lund"], BY_NAME["Simrishamn"]
    to_lund = estimate_commute_minutes(malmo.lat, malmo.lon, lund.lat, lund.lon)
    to_simrishamn = estimate_commute_minutes(malmo.lat, malmo.lon, simrishamn.lat, simrishamn.lon)
    assert 40 < to_lund < 60
    assert 100 < to_simrishamn < 130


@given(st.floats(0, 500), st.floats(0, 500))
def test_trip_minutes_grow_with_distance(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert trip_minutes(low) <= trip_minutes(high)


def test_travel_matrix_uses_measured_times_and_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "times.csv"
    path.write_text("from_code,to_code,minutes\n1280,1281,35\n1281,1280,37\n1280,1283,70\n")
    matrix = TravelTimeMatrix.from_csv(path)
    malmo, lund, ystad = BY_NAME["Malmö"], BY_NAME["Lund"], BY_NAME["Ystad"]
    lat = np.array([malmo.lat, lund.lat, malmo.lat, ystad.lat])
    lon = np.array([malmo.lon, lund.lon, malmo.lon, ystad.lon])
    to_lat = np.array([lund.lat, malmo.lat, malmo.lat, malmo.lat])
    to_lon = np.array([lund.lon, malmo.lon, malmo.lon, malmo.lon])
    minutes = matrix.minutes(["1280", "1281", "1283", "1286"], ["1281", "1280", "1280", "1280"],
                             lat, lon, to_lat, to_lon)
    assert minutes[0] == 35 and minutes[1] == 37
    assert minutes[2] == 70  # stored only as 1280 → 1283: used for the way back too
    expected = estimate_commute_minutes(ystad.lat, ystad.lon, malmo.lat, malmo.lon)
    assert minutes[3] == pytest.approx(expected)  # 1286 is not in the matrix


def test_travel_matrix_rejects_bad_minutes(tmp_path: Path) -> None:
    path = tmp_path / "times.csv"
    path.write_text("from_code,to_code,minutes\n1280,1281,-3\n")
    with pytest.raises(ValueError, match="-3"):
        TravelTimeMatrix.from_csv(path)
    path.write_text("origin,destination,minutes\n1280,1281,3\n")
    with pytest.raises(ValueError, match="from_code"):
        TravelTimeMatrix.from_csv(path)


def test_load_municipalities_reads_kommuner_format(tmp_path: Path) -> None:
    path = tmp_path / "kommuner.csv"
    frame = pd.DataFrame({
        "code": ["114", "1280"], "name": ["Upplands Väsby kommun", "Malmö kommun"],
        "region": ["Stockholms län", "Skåne län"], "population": [43891, 328494],
        "area": [83.82, 332.61],
        "location_lat_google_2015_05_28": [59.52, 55.60],
        "location_lng_google_2015_05_28": [17.93, 13.00],
    })
    frame.to_csv(path, index=False)
    everything = load_municipalities(path)
    assert [m.code for m in everything] == ["0114", "1280"]
    skane = load_municipalities(path, region="Skåne län")
    assert len(skane) == 1 and skane[0].population == 328494 and skane[0].area_km2 == 332.61
    with pytest.raises(LookupError, match="Gotlands län"):
        load_municipalities(path, region="Gotlands län")


@pytest.mark.shared_data
def test_table_matches_the_public_skane_file(shared_data: Path) -> None:
    """Codes, populations and areas equal the derived Skåne file; points are the seat towns,
    within a few km of the file's points except where the file's geocoding is known wrong."""
    folder = shared_data / "sweden_municipalities"
    public = pd.read_csv(folder / "derived_skane_kommuner.csv", dtype={"kommunkod": str})
    public = public.set_index("kommunkod")
    ours = {m.code: m for m in SKANE_MUNICIPALITIES}
    assert set(ours) == set(public.index)
    for code, m in ours.items():
        row = public.loc[code]
        assert m.population == row["population"]
        assert m.area_km2 == pytest.approx(row["area_km2"])
        assert row["name"].startswith(m.name[:4])
        distance = haversine_km(m.lat, m.lon, row["lat"], row["lng"])
        assert (distance > 20) == (code in KNOWN_BAD_POINTS), (code, distance)
        assert code in KNOWN_BAD_POINTS or distance < 10.0


@pytest.mark.shared_data
def test_loader_reads_the_real_file(shared_data: Path) -> None:
    skane = load_municipalities(shared_data / "sweden_municipalities" / "kommuner.csv",
                                region="Skåne län")
    assert {m.code for m in skane} == {m.code for m in SKANE_MUNICIPALITIES}


# --------------------------------------------------------------------------- reach pre-filter


@given(st.floats(FIXED_MINUTES + 0.5, 300))
def test_reach_km_inverts_the_commute_estimate(minutes: float) -> None:
    km = reach_km(minutes)
    assert trip_minutes(km * DETOUR_FACTOR) == pytest.approx(minutes, abs=1e-6)


def test_reach_km_is_zero_within_the_fixed_minutes() -> None:
    assert reach_km(FIXED_MINUTES) == 0.0 == reach_km(0)


@given(st.integers(0, 10_000), st.floats(15, 120))
def test_reach_window_and_box_never_miss_a_point_within_reach(seed: int, minutes: float) -> None:
    """Known answer by brute force: every point whose estimate is within ``minutes`` is found."""
    rng = np.random.default_rng(seed)
    lat, lon = np.sort(rng.uniform(55.3, 56.5, 400)), rng.uniform(12.4, 14.6, 400)
    lat[-9:] = np.nan  # rows without coordinates sort last and are never within reach
    here_lat, here_lon = float(rng.uniform(55.3, 56.5)), float(rng.uniform(12.4, 14.6))
    box = ReachBox.around(here_lat, here_lon, reach_km(minutes))
    window = LatitudeBands(lat).window(box)
    found = np.arange(400)[window][box.contains_lon(lon[window])]
    reachable = np.flatnonzero(estimate_commute_minutes(here_lat, here_lon, lat, lon) <= minutes)
    assert set(reachable) <= set(found.tolist())


def test_reach_box_refuses_a_point_without_coordinates_and_bands_unsorted_input() -> None:
    with pytest.raises(ValueError, match="without coordinates"):
        ReachBox.around(float("nan"), 13.0, 10.0)
    with pytest.raises(ValueError, match="sorted"):
        LatitudeBands([56.0, 55.0])


@given(st.integers(0, 10_000), st.floats(0.0, 400.0))
def test_within_km_agrees_with_haversine(seed: int, km: float) -> None:
    """Known answer by brute force: the dot-product test is the distance test."""
    rng = np.random.default_rng(seed)
    lat, lon = rng.uniform(55.0, 69.0, 300), rng.uniform(11.0, 24.0, 300)
    here = float(rng.uniform(55.0, 69.0)), float(rng.uniform(11.0, 24.0))
    distance = haversine_km(here[0], here[1], lat, lon)
    clear = np.abs(distance - km) > 1e-6  # exactly on the circle, rounding may go either way
    found = within_km(unit_vectors(*here), unit_vectors(lat, lon), km)
    assert (found[clear] == (distance <= km)[clear]).all()


def test_within_km_fails_points_without_coordinates() -> None:
    points = unit_vectors(np.array([55.7, np.nan]), np.array([13.2, 13.2]))
    assert within_km(unit_vectors(55.7, 13.2), points, 10.0).tolist() == [True, False]
    assert not within_km(unit_vectors(np.nan, 13.2), points, 1e4).any()
