"""Occupation gender shares from programme records and SCB statistics; atypical shares."""

from __future__ import annotations

import math

import pytest

from matcher.fairness.segregation import OccupationGenderShares, jobtech_ssyk4

SCB_SAMPLE = """code_4,occupation,year,men,women,total,share_women
1111,Legislators,2024,60,40,100,0.4
1112,Senior government officials,2024,50,50,100,0.5
1113,Senior officials of special-interest organisations,2024,45,55,100,0.55
1211,"Finance managers, level 1",2024,10,30,40,0.75
1212,"Finance managers, level 2",2024,30,30,60,0.5
5321,Assistant nurses,2023,5,95,100,0.95
5321,Assistant nurses,2024,10,90,100,0.9
7115,Carpenters,2024,98,2,100,0.02
"""


@pytest.fixture
def scb_file(tmp_path):
    path = tmp_path / "derived_national_ssyk4_sex_share_2020_2024.csv"
    path.write_text(SCB_SAMPLE, encoding="utf-8")
    return path


def test_manager_levels_map_to_jobtech_codes():
    codes = {"1111", "1112", "1113", "1211", "1212", "5321"}
    assert jobtech_ssyk4("1211", codes) == "1210"
    assert jobtech_ssyk4("1212", codes) == "1210"
    assert jobtech_ssyk4("1111", codes) == "1111"  # legislators: a real code, not a level
    assert jobtech_ssyk4("5321", codes) == "5321"
    with pytest.raises(ValueError, match="'12'"):
        jobtech_ssyk4("12", codes)


def test_scb_file_latest_year_with_levels_merged(scb_file):
    shares = OccupationGenderShares.from_scb_csv(scb_file)
    assert shares.get("1210") == pytest.approx(60 / 100)  # counts summed, not shares averaged
    assert "1211" not in shares.women_share
    assert shares.get("5321") == pytest.approx(0.9)  # 2024, not 2023
    assert shares.get("1111") == pytest.approx(0.4)
    assert "2024" in shares.source
    assert OccupationGenderShares.from_scb_csv(scb_file, year=2023).get("5321") == pytest.approx(0.95)


def test_scb_file_errors_name_the_problem(scb_file, tmp_path):
    with pytest.raises(LookupError, match="2019"):
        OccupationGenderShares.from_scb_csv(scb_file, year=2019)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,year\n1111,2024\n", encoding="utf-8")
    with pytest.raises(ValueError, match="code_4"):
        OccupationGenderShares.from_scb_csv(bad)


def test_minority_and_atypical_share(scb_file):
    shares = OccupationGenderShares.from_scb_csv(scb_file)
    assert shares.is_minority("5321", "woman") == 0.0
    assert shares.is_minority("5321", "man") == 1.0
    assert shares.is_minority("1112", "woman") == 0.0  # exactly half: not a minority
    assert math.isnan(shares.is_minority("9999", "woman"))
    assert math.isnan(shares.is_minority("5321", "other"))
    assert shares.atypical_share(["7115", "5321", None, "9999"], "woman") == 0.5
    assert math.isnan(shares.atypical_share([None], "man"))


def test_shares_from_programme_records():
    shares = OccupationGenderShares.from_counts(
        ["a", "a", "a", "b", "c", None], ["woman", "woman", "man", "man", "other", "woman"])
    assert shares.women_share == {"a": pytest.approx(2 / 3), "b": 0.0}
    assert OccupationGenderShares.from_counts(["a", "b", "b"], ["woman", "man", "man"],
                                              min_workers=2).women_share == {"b": 0.0}


@pytest.mark.shared_data
def test_real_scb_statistics_load_and_join_jobtech(shared_data):
    folder = shared_data / "scb_occupation_stats"
    national = OccupationGenderShares.from_scb_csv(folder / "derived_national_ssyk4_sex_share_2020_2024.csv")
    skane = OccupationGenderShares.from_scb_csv(folder / "derived_skane_ssyk4_sex_share_2020_2024.csv")
    for shares in (national, skane):
        assert "1210" in shares.women_share and "1211" not in shares.women_share
        assert "1111" in shares.women_share
        assert shares.get("5321") > 0.7  # undersköterskor
        assert shares.get("7115") < 0.1  # träarbetare, snickare
        assert all(0.0 <= v <= 1.0 for v in shares.women_share.values())
    jobtech = folder.parent / "jobtech_taxonomy" / "occupation_names_sv.csv"
    if jobtech.exists():
        import pandas as pd

        codes = set(pd.read_csv(jobtech, dtype=str)["ssyk4_code"])
        assert len(codes & set(national.women_share)) >= 370  # SOURCE.md: 375 of 400 match
