"""JobTech and ESCO readers on tiny files with known answers (see conftest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.taxonomy import esco, jobtech
from matcher.taxonomy.importer import import_step_count, import_taxonomy
from matcher.taxonomy.model import Substitution, Taxonomy
from tests.matcher.taxonomy.conftest import ESCO_URI, HIERARCHY, SUBSTITUTABILITY, write_jobtech


def test_jobtech_reads_names_groups_and_flags(jobtech_dir: Path) -> None:
    data = jobtech.load_jobtech(jobtech_dir)
    by_id = {o.id: o for o in data.occupations}
    assert set(by_id) == {"occ-usk", "occ-vb", "occ-stad", "occ-bygg"}
    assert by_id["occ-usk"].ssyk4 == "5321"
    assert by_id["occ-usk"].isco4 == ("5321", "5322")
    assert by_id["occ-bygg"].isco4 == ("9112",)
    assert {o.id for o in data.occupations if o.no_education_required} == {"occ-vb", "occ-stad"}
    assert data.ssyk_labels["53"] == "Omsorgsyrken"
    assert sorted(len(code) for code in data.ssyk_labels) == [1, 1, 2, 2, 3, 3, 3, 4, 4, 4]
    assert data.ssyk_definitions["9111"] == "Arbetsuppgifter inom städare."
    assert data.isco_labels["5322"] == "Hemtjänstassistenter"
    assert data.skills == {"sk-1": "Hygienstädning"}
    assert [(lang.label, lang.iso_639_1) for lang in data.languages] == [("Arabiska", "AR")]


def test_substitutability_keeps_jobtech_direction_and_merges_both_ends(jobtech_dir: Path) -> None:
    rows = jobtech.load_jobtech(jobtech_dir).substitutions
    assert set(rows) == {
        Substitution("occ-vb", "occ-usk", 75),
        Substitution("occ-usk", "occ-vb", 25),
        Substitution("occ-stad", "occ-bygg", 75),
    }


def test_disagreeing_ends_of_an_edge_are_an_error() -> None:
    concepts = json.loads(json.dumps(SUBSTITUTABILITY))
    concepts[1]["substitutes"][0]["substitutability_percentage"] = 25
    with pytest.raises(ValueError, match="'occ-vb'←'occ-usk' is listed as both 75 and 25"):
        jobtech.parse_substitutability(concepts)


def test_only_the_hierarchy_is_required(tmp_path: Path, jobtech_dir: Path) -> None:
    (tmp_path / "only").mkdir()
    source = jobtech.dataset_path(jobtech_dir, jobtech.HIERARCHY)
    assert source is not None
    (tmp_path / "only" / source.name).write_bytes(source.read_bytes())
    data = jobtech.load_jobtech(tmp_path / "only")
    assert len(data.occupations) == 4
    assert data.substitutions == () and all(o.isco4 == () for o in data.occupations)
    with pytest.raises(FileNotFoundError, match="the-ssyk-hierarchy-with-occupations"):
        jobtech.load_jobtech(tmp_path)


def test_bad_jobtech_files_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "skills.json"
    path.write_text('{"concepts": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="skills.json: expected"):
        jobtech.read_concepts(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="skills.json: not a JobTech JSON file"):
        jobtech.read_concepts(path)


def test_occupation_outside_an_ssyk4_group_is_rejected() -> None:
    stray = [{**HIERARCHY[0], "narrower": [{"id": "x", "preferred_label": "X",
                                            "type": "occupation-name"}]}]
    with pytest.raises(ValueError, match="'x' is not under an SSYK4 group"):
        jobtech.parse_hierarchy(stray)


def test_esco_reads_labels_skills_and_skips_uncoded(esco_dir: Path) -> None:
    data = esco.load_esco(esco_dir)
    by_label = {e.label: e for e in data.occupations}
    assert "unclassified worker" not in by_label
    assistant = by_label["health care assistant"]
    assert assistant.isco4 == "5321"
    assert assistant.alt_labels == ("nursing assistant", "care assistant")
    assert assistant.essential_skills == (ESCO_URI + "skill/s1", ESCO_URI + "skill/s2")
    assert assistant.optional_skills == (ESCO_URI + "skill/s3",)
    assert data.skills[ESCO_URI + "skill/s5"] == "skill number 5"


def test_esco_missing_column_names_file_and_column(tmp_path: Path) -> None:
    (tmp_path / "occupations_en.csv").write_text("conceptUri,preferredLabel\nx,y\n")
    (tmp_path / "skills_en.csv").write_text("conceptUri,preferredLabel\n")
    (tmp_path / "occupationSkillRelations.csv").write_text("occupationUri,relationType,skillUri\n")
    with pytest.raises(ValueError, match=r"occupations_en.csv: missing column\(s\) iscoGroup"):
        esco.load_esco(tmp_path)


def test_import_joins_esco_through_isco(tiny: Taxonomy, jobtech_dir: Path) -> None:
    assert len(tiny) == 4
    assert {e.label for e in tiny.data.esco_occupations} == {
        "health care assistant", "home care aide", "office cleaner"
    }  # technical director's ISCO group has no SSYK4 here
    assert ESCO_URI + "skill/s2" in tiny.data.esco_skills
    assert tiny.source.startswith(f"jobtech:{jobtech_dir.resolve()} esco:")


def test_import_reports_each_stage(jobtech_dir: Path, esco_dir: Path) -> None:
    steps: list[str] = []
    import_taxonomy(jobtech_dir, esco_dir, progress=steps.append)
    assert len(steps) == import_step_count(esco_dir) == 3
    steps.clear()
    import_taxonomy(jobtech_dir, progress=steps.append)
    assert len(steps) == import_step_count(None) == 2


def test_available_files_lists_what_is_there(tmp_path: Path, esco_dir: Path) -> None:
    folder = write_jobtech(tmp_path / "j")
    assert len(jobtech.available_files(folder)) == len(jobtech.DATASETS)
    assert [p.name for p in esco.available_files(esco_dir)] == [
        "occupations_en.csv.gz", "skills_en.csv", "occupationSkillRelations_en.csv"
    ]
