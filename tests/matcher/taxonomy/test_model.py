"""Taxonomy behaviour: transfer direction, skills, relatedness, errors, bundle round trip."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from matcher.taxonomy.demo import demo_taxonomy
from matcher.taxonomy.model import (
    Occupation,
    OccupationHit,
    Substitution,
    Taxonomy,
    TaxonomyData,
    UnknownOccupationError,
    _top_rows,
)


def test_transfer_level_reads_jobtech_rows_in_the_holders_direction(tiny: Taxonomy) -> None:
    assert tiny.transfer_level("occ-usk", "occ-vb") == 75
    assert tiny.transfer_level("occ-vb", "occ-usk") == 25
    assert tiny.transfer_level("occ-bygg", "occ-stad") == 75
    assert tiny.transfer_level("occ-stad", "occ-bygg") == 0
    matrix = tiny.transfer_matrix
    assert matrix[tiny.index_of("occ-usk"), tiny.index_of("occ-vb")] == pytest.approx(0.75)
    assert matrix.sum() == pytest.approx(0.75 + 0.25 + 0.75)


def test_skill_overlap_is_jaccard_of_esco_skills_via_isco(tiny: Taxonomy) -> None:
    assert len(tiny.skills_of("occ-usk")) == 4
    assert tiny.skill_overlap("occ-usk", "occ-vb") == pytest.approx(3 / 4)
    assert tiny.skill_overlap("occ-vb", "occ-stad") == pytest.approx(1 / 4)
    assert tiny.skill_overlap("occ-usk", "occ-stad") == pytest.approx(1 / 5)
    assert tiny.skill_overlap("occ-stad", "occ-bygg") == pytest.approx(1.0)


def test_skill_overlap_is_zero_without_esco(jobtech_dir: Path) -> None:
    from matcher.taxonomy.importer import import_taxonomy

    bare = import_taxonomy(jobtech_dir)
    assert bare.skill_overlap("occ-usk", "occ-vb") == 0.0
    assert bare.skills_of("occ-usk") == frozenset()


def test_relatedness_bounds_and_direct_edges(tiny: Taxonomy) -> None:
    matrix = tiny.relatedness_matrix
    assert matrix.dtype == np.float32 and matrix.shape == (4, 4)
    assert np.all((matrix >= 0) & (matrix <= 1))
    assert np.allclose(np.diag(matrix), 1.0)
    assert np.all(matrix >= tiny.transfer_matrix - 1e-6)
    assert tiny.relatedness("occ-usk", "occ-vb") > tiny.relatedness("occ-usk", "occ-stad")
    assert tiny.relatedness("occ-stad", "occ-stad") == 1.0


def test_rows_match_the_matrix(tiny: Taxonomy) -> None:
    fresh = Taxonomy(tiny.data)
    rows = np.stack([fresh.relatedness_row(i) for i in fresh.occupation_ids])
    assert "relatedness_matrix" not in fresh.__dict__
    np.testing.assert_allclose(rows, fresh.relatedness_matrix, atol=1e-6)


def test_related_excludes_itself_and_ranks_the_edge_first(tiny: Taxonomy) -> None:
    hits = tiny.related("occ-usk", k=10)
    assert [h.occupation_name_id for h in hits][0] == "occ-vb"
    assert "occ-usk" not in {h.occupation_name_id for h in hits}
    assert len(hits) == 3
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_related_without_own_edges_borrows_from_neighbours() -> None:
    """Byggstädare's edges removed: its sibling Städare's moves still guide it."""
    demo = demo_taxonomy()
    bygg = "8MFH_Ud4_ysM"
    bare = demo.without_edges([bygg])
    assert bare.transfer_level(bygg, "KF64_AvU_S4N") == 0
    assert demo.transfer_level(bygg, "KF64_AvU_S4N") == 75
    top = [h.label for h in bare.related(bygg, k=4)]
    assert "Städare" in top and "Sjukhusstädare" in top
    assert bare.relatedness_matrix.shape == demo.relatedness_matrix.shape
    assert len(bare.data.substitutions) == len(demo.data.substitutions) - 3  # to, from, from


def test_unknown_ids_name_the_id(tiny: Taxonomy) -> None:
    for call in (
        lambda: tiny.related("nope"),
        lambda: tiny.transfer_level("occ-usk", "nope"),
        lambda: tiny.transfer_level("nope", "occ-usk"),
        lambda: tiny.relatedness("nope", "occ-usk"),
        lambda: tiny.index_of("nope"),
    ):
        with pytest.raises(UnknownOccupationError, match="unknown occupation id 'nope'"):
            call()
    with pytest.raises(KeyError):
        tiny.occupation("nope")
    with pytest.raises(LookupError, match="unknown SSYK code '0000'"):
        tiny.ssyk_label("0000")


def test_bad_arguments_are_value_errors(tiny: Taxonomy) -> None:
    with pytest.raises(ValueError, match="is empty once whitespace is removed"):
        tiny.search("   ")
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        tiny.related("occ-usk", k=0)


def test_constructor_rejects_inconsistent_data(tiny: Taxonomy) -> None:
    data = tiny.data
    with pytest.raises(ValueError, match="'occ-usk' appears twice"):
        Taxonomy(replace(data, occupations=data.occupations + data.occupations[:1]))
    stray = Occupation("occ-x", "X", "1234")
    with pytest.raises(ValueError, match="'occ-x' is under SSYK '1', which has no label"):
        Taxonomy(replace(data, occupations=data.occupations + (stray,)))
    with pytest.raises(ValueError, match="names unknown occupation id 'ghost'"):
        Taxonomy(replace(data, substitutions=(Substitution("occ-usk", "ghost", 75),)))
    with pytest.raises(ValueError, match="SSYK code '53' , not 4 digits|not 4 digits"):
        Occupation("occ-y", "Y", "53")
    with pytest.raises(ValueError, match="percentage 0"):
        Substitution("a", "b", 0)


def test_search_finds_the_tiny_occupations(tiny: Taxonomy) -> None:
    assert tiny.search("städerska", k=1)[0].occupation_name_id == "occ-stad"
    assert tiny.search("undersköterskor", k=1)[0].occupation_name_id == "occ-usk"
    # English, through ESCO labels of the ISCO group
    assert tiny.search("nursing assistant", k=2)[0].ssyk4 in {"5321", "5330"}
    assert tiny.search("commercial cleaner", k=1)[0].ssyk4 == "9111"
    hit = tiny.search("Byggstädare", k=1)[0]
    assert hit == OccupationHit("occ-bygg", "Byggstädare", "9111", hit.score)
    assert hit.score > 0.95  # the score is the probability that the title means it
    assert hit.to_dict() == {
        "occupation_name_id": "occ-bygg", "label": "Byggstädare", "ssyk4": "9111",
        "score": hit.score,
    }


def test_search_many_keeps_order_and_empty_titles_get_nothing(tiny: Taxonomy) -> None:
    results = tiny.search_many(["Vårdbiträden", "", "Städaren"], k=1)
    assert [[h.occupation_name_id for h in hits] for hits in results] == [
        ["occ-vb"], [], ["occ-stad"]
    ]


def test_bundle_round_trip(tiny: Taxonomy, tmp_path: Path) -> None:
    path = tiny.save(tmp_path / "nested" / "taxonomy.json.gz")
    loaded = Taxonomy.load(path)
    assert loaded.data == tiny.data
    np.testing.assert_allclose(loaded.relatedness_matrix, tiny.relatedness_matrix)
    assert [p.name for p in path.parent.iterdir()] == ["taxonomy.json.gz"]  # no temp left


def test_bundle_carries_the_prior_vocabulary_and_keywords(tiny: Taxonomy, tmp_path: Path) -> None:
    data = replace(tiny.data, employment={"9111": 40, "5321": 100}, openings={"occ-bygg": 2},
                   vocabulary=("städare",), keywords={"occ-stad": ("Städning",)})
    loaded = Taxonomy.load(Taxonomy(data).save(tmp_path / "t.json.gz"))
    assert loaded.data == data
    assert loaded.prior is not None and np.isclose(loaded.prior.sum(), 1.0)
    assert tiny.prior is None  # without SCB data (the demo, a bare import) there is no prior


def test_a_bundle_written_before_the_prior_still_loads(tiny: Taxonomy, tmp_path: Path) -> None:
    path = tiny.save(tmp_path / "old.json.gz")
    payload = json.loads(gzip.decompress(path.read_bytes()))
    for key in ("employment", "openings", "vocabulary", "keywords"):
        del payload[key]
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))
    assert Taxonomy.load(path).data == tiny.data


def test_bundle_rejects_other_versions_and_garbage(tiny: Taxonomy, tmp_path: Path) -> None:
    path = tiny.save(tmp_path / "t.json.gz")
    payload = json.loads(gzip.decompress(path.read_bytes()))
    path.write_bytes(gzip.compress(json.dumps({**payload, "version": 99}).encode()))
    with pytest.raises(ValueError, match="version 99 is not supported"):
        Taxonomy.load(path)
    path.write_bytes(gzip.compress(json.dumps({**payload, "format": "other"}).encode()))
    with pytest.raises(ValueError, match="not a taxonomy bundle"):
        Taxonomy.load(path)
    del payload["occupations"]
    path.write_bytes(gzip.compress(json.dumps(payload).encode()))
    with pytest.raises(ValueError, match="t.json.gz: taxonomy bundle is missing"):
        Taxonomy.load(path)
    path.write_bytes(b"plain text")
    with pytest.raises(ValueError, match="not a readable taxonomy bundle"):
        Taxonomy.load(path)


def test_summary_counts(tiny: Taxonomy) -> None:
    summary = tiny.summary()
    assert summary["occupations"] == 4
    assert summary["ssyk_level_4"] == 3
    assert summary["substitutions"] == 3
    assert summary["occupations_with_substitutions"] == 4
    assert summary["no_education_required"] == 2
    assert summary["esco_occupations"] == 3
    assert summary["languages"] == 1


def test_other_names_and_text(tiny: Taxonomy) -> None:
    assert tiny.other_names("occ-usk") == ("health care assistant", "home care aide")
    text = tiny.text_of("occ-stad")
    assert text.startswith("Städare; Städare; office cleaner")


def test_occupations_mapping_follows_positions(tiny: Taxonomy) -> None:
    assert list(tiny.occupations) == list(tiny.occupation_ids)
    assert tiny.occupations["occ-vb"].label == "Vårdbiträde"
    assert "occ-vb" in tiny and "nope" not in tiny


def test_empty_taxonomy_data_is_allowed_to_have_no_esco() -> None:
    data = TaxonomyData(
        occupations=(Occupation("a", "Kock", "5120"), Occupation("b", "Kallskänka", "5120")),
        ssyk_labels={"5": "S", "51": "S", "512": "K", "5120": "Kockar"},
    )
    taxonomy = Taxonomy(data)
    assert taxonomy.related("a", k=1)[0].occupation_name_id == "b"
    assert taxonomy.search("kockar", k=1)[0].occupation_name_id == "a"


def test_load_taxonomy_prefers_the_imported_bundle(platsa_home: Path, tiny: Taxonomy,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    from platsa.assembly import load_taxonomy
    from platsa.settings import get_settings

    caplog.set_level("INFO", logger="matcher.taxonomy.current")
    assert load_taxonomy(get_settings()).source == "demo"
    assert "using the bundled demo taxonomy" in caplog.text
    tiny.save(get_settings().paths.resolved_taxonomy_path)
    assert load_taxonomy(get_settings()).data == tiny.data
    assert "using the imported taxonomy" in caplog.text


def ranked_by_full_sort(taxonomy: Taxonomy, texts: list[str], k: int) -> list[list[tuple[str, float]]]:
    """The slow reference for batch search: every occupation sorted by score, ties by position."""
    found = []
    for row in taxonomy.title_index.scores(texts):
        order = np.lexsort((np.arange(len(row)), -row))[:k]
        hits = [(taxonomy.occupation_ids[i], round(min(float(row[i]), 1.0), 6)) for i in order]
        found.append([(occupation, score) for occupation, score in hits if score > 0])
    return found


def batch_answers(taxonomy: Taxonomy, texts: list[str], k: int) -> list[list[tuple[str, float]]]:
    return [[(h.occupation_name_id, h.score) for h in hits] for hits in taxonomy.search_many(texts, k)]


@pytest.mark.parametrize("k", [1, 3, 10, 500])
def test_batch_search_answers_as_sorting_every_occupation_would(k: int) -> None:
    demo = demo_taxonomy()
    labels = [o.label for o in demo.data.occupations]
    # inflected, misspelled (a letter dropped) and group-level titles, where members tie
    texts = [*labels, *(label[:3] + label[4:] for label in labels), *(f"{label}na" for label in labels),
             "vård", "arbetare", "", "123", "var frisör i Syrien"]
    assert batch_answers(demo, texts, k) == ranked_by_full_sort(demo, texts, k)


@pytest.mark.parametrize("k", [1, 2, 7, 40, 64, 100])
def test_the_top_of_each_row_is_its_best_with_ties_by_position(k: int) -> None:
    rng = np.random.default_rng(k)
    scores = rng.integers(0, 4, size=(50, 64)).astype(np.float32) / 3  # many ties at every cut
    expected = [np.lexsort((np.arange(64), -row))[:k] for row in scores]
    np.testing.assert_array_equal(_top_rows(scores, k), np.asarray(expected))


def test_batch_search_breaks_ties_at_the_cut_by_taxonomy_order() -> None:
    demo = demo_taxonomy()
    scores = demo.title_index.scores(["vård", "arbetare", "assistent"])
    tied_at_cut = [
        k for row in scores for k in range(1, 20)
        if 0 < np.sort(row)[::-1][k - 1] == np.sort(row)[::-1][k]
    ]
    assert tied_at_cut, "the demo taxonomy should give these generic titles tied scores"
    for k in set(tied_at_cut):
        assert batch_answers(demo, ["vård", "arbetare", "assistent"], k) == ranked_by_full_sort(
            demo, ["vård", "arbetare", "assistent"], k)
