"""The loaders on the real JobTech and ESCO files (skipped when ../shared/data is absent).

Counts are those stated in the data's SOURCE.md; the flat CSVs beside the JSON are an
independent conversion to cross-check against.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from matcher.taxonomy.model import Taxonomy
from tests.matcher.taxonomy.conftest import SEARCH_EXAMPLES

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

UNDERSKOTERSKA_HEMTJANST = "bSEB_VKd_Ub3"


def test_counts_match_source_md(real_taxonomy: Taxonomy) -> None:
    summary = real_taxonomy.summary()
    assert summary["occupations"] == 2412
    assert (summary["ssyk_level_1"], summary["ssyk_level_2"]) == (10, 46)
    assert (summary["ssyk_level_3"], summary["ssyk_level_4"]) == (147, 400)
    assert summary["substitutions"] == 4093
    assert summary["occupations_with_substitutions"] == 956
    assert summary["no_education_required"] == 112
    assert summary["skills"] == 6657 and summary["languages"] == 470
    assert summary["esco_occupations"] == 2943  # the ESCO occupations some SSYK4 reaches


def test_occupations_and_isco_match_the_flat_csvs(real_taxonomy: Taxonomy, shared_data: Path) -> None:
    folder = shared_data / "jobtech_taxonomy"
    names = pd.read_csv(folder / "occupation_names_sv.csv", dtype=str)
    expected = {
        (r.occupation_name_id, r.occupation_name_sv, r.ssyk4_code, r.no_education_required == "1")
        for r in names.itertuples()
    }
    actual = {
        (o.id, o.label, o.ssyk4, o.no_education_required) for o in real_taxonomy.data.occupations
    }
    assert actual == expected
    mapping = pd.read_csv(folder / "ssyk4_to_isco4.csv", dtype=str)
    pairs = {(o.ssyk4, isco) for o in real_taxonomy.data.occupations for isco in o.isco4}
    assert pairs == set(zip(mapping.ssyk4_code, mapping.isco08_code, strict=True))


def test_substitutability_direction_matches_the_csv(
    real_taxonomy: Taxonomy, shared_data: Path
) -> None:
    edges = pd.read_csv(shared_data / "jobtech_taxonomy" / "occupation_substitutability.csv",
                        dtype=str)
    rows = {(s.occupation_id, s.substituted_by_id, s.percentage)
            for s in real_taxonomy.data.substitutions}
    assert rows == {
        (r.occupation_id, r.substituted_by_id, int(r.substitutability_percentage))
        for r in edges.itertuples()
    }
    # JobTech: Skolvärd can be substituted by Elevassistent (75), so an Elevassistent
    # moves into Skolvärd at 75.
    skolvard, elevassistent = "17FS_XzU_AQ4", "Sbzf_iBA_MAS"
    assert real_taxonomy.transfer_level(elevassistent, skolvard) == 75
    first = edges.iloc[0]
    assert real_taxonomy.transfer_level(first.substituted_by_id, first.occupation_id) == int(
        first.substitutability_percentage
    )


@pytest.mark.parametrize(
    ("query", "ssyk4"),
    [
        *SEARCH_EXAMPLES,
        ("elevassistenter", {"5312"}),
        ("diskare", {"9412"}),
        ("bussförare", {"8331"}),
        ("electrician", {"7411", "7412"}),
    ],
)
def test_search_examples_find_the_right_ssyk4(
    real_taxonomy: Taxonomy, query: str, ssyk4: set[str]
) -> None:
    assert {h.ssyk4 for h in real_taxonomy.search(query, k=3)} & ssyk4


@pytest.mark.parametrize(
    ("query", "ssyk4"),
    [
        ("har jobbat som snickare i 6 år", {"7111"}),
        ("var frisör i Syrien", {"5141"}),
        ("worked as a welder for 5 years", {"7212"}),
        ("lasbilsförare", {"8332"}),  # misspelled modifier of a compound
        ("restaurangbirtäde", {"9412", "5120", "5131"}),
        ("undersköterskorna", {"5321", "5323"}),
        ("hairdresser", {"5141"}),
        ("bus driver", {"8331"}),
    ],
)
def test_titles_as_participants_and_coaches_give_them(
    real_taxonomy: Taxonomy, query: str, ssyk4: set[str]
) -> None:
    assert real_taxonomy.search(query, k=1)[0].ssyk4 in ssyk4


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("vårdsbiträde", "Vårdbiträde"),  # ISCO 5321's Swedish name spells it with the s
        ("chefbarnsmorska", "Chefsbarnmorska"),  # the s moved
        ("tandvårdbiträde", "Tandvårdsbiträde"),  # the s dropped
        # typed without å, ä, ö: before, "malare" found Lagerarbetare and "tagvard" a
        # Butikssäljare
        ("malare", "Målare"),
        ("tagvard", "Tågvärd"),
        ("forsakringshandlaggare", "Försäkringshandläggare"),
        ("larling, vag- och anlaggningsarbetare", "Lärling, väg- och anläggningsarbetare"),
    ],
)
def test_a_title_with_another_linking_s_or_without_its_marks_finds_the_name(
    real_taxonomy: Taxonomy, query: str, label: str
) -> None:
    assert real_taxonomy.search(query, k=1)[0].label == label


def test_scb_employment_makes_the_common_occupation_win_an_ambiguous_slip(
    real_taxonomy: Taxonomy, shared_data: Path
) -> None:
    from matcher.taxonomy.prior import read_scb_employment

    stats = shared_data / "scb_occupation_stats" / "derived_national_ssyk4_sex_share_2020_2024.csv"
    employment = read_scb_employment(stats)
    assert {o.ssyk4 for o in real_taxonomy.data.occupations} <= set(employment)
    assert employment["5321"] > 100_000
    with_prior = Taxonomy(replace(real_taxonomy.data, employment=employment))
    why = with_prior.explain_search("läare")
    assert why is not None and why.corrected in {"läk", "lär"} and why.employed
    assert with_prior.search("läare", k=1)[0].label in {"Läkare", "Lärare"}


def test_related_with_edges_puts_published_moves_first(real_taxonomy: Taxonomy) -> None:
    holder = "Sbzf_iBA_MAS"  # Elevassistent: Skolvärd (75), Barnskötare (25)
    published = {
        o for o in real_taxonomy.occupation_ids if real_taxonomy.transfer_level(holder, o)
    }
    assert published == {"17FS_XzU_AQ4", "rM7G_ge7_XhP"}
    top = real_taxonomy.related(holder, k=5)
    assert top[0].occupation_name_id == "17FS_XzU_AQ4" and top[0].score >= 0.75
    # a low (25 %) published move may yield to stronger inferred ones, but stays in the top 5
    assert "rM7G_ge7_XhP" in {h.occupation_name_id for h in top}
    assert {h.ssyk4[:2] for h in top[1:]} & {"53"}  # then more school and care work


def test_related_without_edges_stays_in_the_trade(real_taxonomy: Taxonomy) -> None:
    """Städare has no published edges here; its answers must still be cleaning work."""
    stadare = "KF64_AvU_S4N"
    assert not any(real_taxonomy.transfer_level(stadare, o) for o in real_taxonomy.occupation_ids)
    top = real_taxonomy.related(stadare, k=5)
    assert sum(h.ssyk4.startswith("91") or h.ssyk4 == "5151" for h in top) >= 3


def test_relatedness_matrix_is_dense_float32_in_unit_range(real_taxonomy: Taxonomy) -> None:
    matrix = real_taxonomy.relatedness_matrix
    assert matrix.shape == (2412, 2412) and str(matrix.dtype) == "float32"
    assert float(matrix.min()) >= 0.0 and float(matrix.max()) <= 1.0
    position = real_taxonomy.index_of(UNDERSKOTERSKA_HEMTJANST)
    assert matrix[position, position] == 1.0
