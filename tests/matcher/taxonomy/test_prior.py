"""The prior of how common an occupation is: SCB employment, sharpened by openings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.taxonomy.prior import prior_shares, read_openings, read_scb_employment, standardised_log


def test_scb_employment_takes_the_latest_year_and_merges_manager_levels(tmp_path: Path) -> None:
    table = tmp_path / "scb.csv"
    table.write_text(
        "code_4,year,men,women,total\n"
        "1211,2023,1,1,2\n1212,2023,0,1,1\n1211,2024,10,5,15\n1212,2024,3,2,5\n"
        "5321,2024,10,90,100\n0110,2024,0,0,0\n",
        encoding="utf-8",
    )
    assert read_scb_employment(table) == {"1210": 20, "5321": 100}
    assert read_scb_employment(table, year=2023) == {"1210": 3}


def test_the_county_table_is_summed_over_counties_and_sexes(tmp_path: Path) -> None:
    table = tmp_path / "county.csv"
    table.write_text("code_4,year,county_code,sex,value\n9111,2024,12,men,3\n9111,2024,12,women,7\n"
                     "9111,2024,01,women,10\n", encoding="utf-8")
    assert read_scb_employment(table) == {"9111": 20}


def test_a_table_without_counts_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("code_4,year,share\n9111,2024,0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="employee counts"):
        read_scb_employment(table)


def test_openings_are_counted_per_occupation_id(tmp_path: Path) -> None:
    openings = tmp_path / "openings.csv"
    openings.write_text("id,occupation_id\no1,a\no2,a\no3,\no4,b\n", encoding="utf-8")
    assert read_openings(openings) == {"a": 2, "b": 1}
    (tmp_path / "none.csv").write_text("id\no1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="occupation_id"):
        read_openings(tmp_path / "none.csv")


def test_employment_is_split_over_a_groups_names_and_openings_sharpen_it() -> None:
    ids, codes = ["a", "b", "c"], ["1111", "1111", "2222"]
    shares = prior_shares(ids, codes, {"1111": 100, "2222": 100}, {})
    assert shares is not None and np.allclose(shares, [0.25, 0.25, 0.5])
    sharpened = prior_shares(ids, codes, {"1111": 100, "2222": 100}, {"a": 30})
    assert sharpened is not None and sharpened[0] > sharpened[1] and np.isclose(sharpened.sum(), 1)


def test_no_data_means_no_prior_and_a_zero_feature() -> None:
    assert prior_shares(["a"], ["1111"], {}, {}) is None
    assert np.all(standardised_log(None, 3) == 0)
    feature = standardised_log(np.array([0.1, 0.2, 0.7]), 3)
    assert abs(feature.mean()) < 1e-6 and np.isclose(feature.std(), 1.0)
