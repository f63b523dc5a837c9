"""The bundled demo taxonomy: self-consistent, true to the real files, useful for the examples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.taxonomy.demo import demo_data, demo_taxonomy
from tests.matcher.taxonomy.conftest import SEARCH_EXAMPLES


def test_demo_exercises_every_part_of_the_model() -> None:
    demo = demo_taxonomy()
    summary = demo.summary()
    assert 60 <= summary["occupations"] <= 100
    assert summary["substitutions"] > 50
    assert 0 < summary["occupations_with_substitutions"] < summary["occupations"]
    assert summary["no_education_required"] > 0
    assert summary["esco_occupations"] > 0 and summary["esco_skills"] > 0
    assert summary["skills"] > 0 and summary["languages"] > 0
    assert all(demo.data.ssyk_definitions.get(o.ssyk4) for o in demo.data.occupations)
    percentages = {s.percentage for s in demo.data.substitutions}
    assert percentages == {25, 75}
    assert any(demo.skills_of(o) for o in demo.occupation_ids)


@pytest.mark.parametrize(
    ("query", "ssyk4"),
    [
        *SEARCH_EXAMPLES,
        ("vårdbiträden", {"5330"}),
        ("busschaufför", {"8331"}),
        ("lokalvårdare", {"9111"}),
        ("carpenter", {"7111"}),
        ("hairdresser", {"5141"}),
    ],
)
def test_demo_search_examples(query: str, ssyk4: set[str]) -> None:
    assert demo_taxonomy().search(query, k=1)[0].ssyk4 in ssyk4


def test_demo_related_makes_sense() -> None:
    demo = demo_taxonomy()
    snickare = [h.label for h in demo.related("4Z7F_oBG_vMG", k=3)]
    assert "Träarbetare, utan yrkesbevis/Snickare, utan yrkesbevis" in snickare
    svetsare = demo.related("rxrQ_Nyy_k6y", k=3)  # no edges of its own
    assert all(h.score < 0.5 for h in svetsare)


@pytest.mark.shared_data
def test_demo_facts_match_the_published_files(shared_data: Path) -> None:
    folder = shared_data / "jobtech_taxonomy"
    names = pd.read_csv(folder / "occupation_names_sv.csv", dtype=str).set_index(
        "occupation_name_id"
    )
    data = demo_data()
    for occupation in data.occupations:
        row = names.loc[occupation.id]
        assert (row.occupation_name_sv, row.ssyk4_code) == (occupation.label, occupation.ssyk4)
        assert (row.no_education_required == "1") == occupation.no_education_required
    levels = pd.read_csv(folder / "ssyk2012_levels_sv.csv", dtype=str)
    published = dict(zip(levels.ssyk_code_2012, levels.label_sv, strict=True))
    assert {code: published[code] for code in data.ssyk_labels} == dict(data.ssyk_labels)
    mapping = pd.read_csv(folder / "ssyk4_to_isco4.csv", dtype=str)
    isco = mapping.groupby("ssyk4_code").isco08_code.apply(lambda c: tuple(sorted(c))).to_dict()
    assert all(o.isco4 == isco[o.ssyk4] for o in data.occupations)
    isco_labels = dict(zip(mapping.isco08_code, mapping.isco4_label_sv, strict=True))
    assert {code: isco_labels[code] for code in data.isco_labels} == dict(data.isco_labels)
    languages = pd.read_csv(folder / "languages_sv.csv", dtype=str).set_index("language_id")
    assert all(languages.loc[lang.id, "label_sv"] == lang.label for lang in data.languages)
    skills = pd.read_csv(folder / "skills_sv.csv", dtype=str).set_index("skill_id")
    assert all(skills.loc[k, "skill_label_sv"] == v for k, v in data.skills.items())
