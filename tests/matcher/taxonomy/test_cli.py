"""``platsa taxonomy …`` and ``platsa occupations …`` through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from platsa.cli.main import _register, app
from tests.matcher.taxonomy.conftest import write_jobtech_site

_register()
runner = CliRunner()

STADARE, SNICKARE = "KF64_AvU_S4N", "4Z7F_oBG_vMG"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_search_prints_json_hits_and_explains_the_first(platsa_home: Path) -> None:
    code, out = _run("occupations", "search", "städerska", "--top", "3", "--json")
    assert code == 0, out
    hits = json.loads(out)
    assert len(hits) == 3
    first = {k: v for k, v in hits[0].items() if k != "explanation"}
    assert first == {"occupation_name_id": STADARE, "label": "Städare", "ssyk4": "9111",
                     "score": first["score"]}
    assert first["score"] > 0.9
    why = hits[0]["explanation"]
    assert (why["title"], why["matched_name"], why["prior_share"]) == ("städerska", "Städare", None)
    assert why["contributions"]["own_char"] > 0
    assert set(hits[1]) == {"occupation_name_id", "label", "ssyk4", "score"}


def test_search_table_says_why_for_a_coach_note(platsa_home: Path) -> None:
    code, out = _run("occupations", "search", "har jobbat som kock i 6 år", "--top", "2")
    assert code == 0, out
    assert "occupation_name_id" in out and "5120" in out
    assert "Why " in out and "read the title 'kock' from the note" in out


def test_batch_file_prints_one_line_per_query_in_order(platsa_home: Path, tmp_path: Path) -> None:
    queries = tmp_path / "titles.txt"
    queries.write_text("städerska\nsnickare\nlastbilschaufför\n", encoding="utf-8")
    code, out = _run("occupations", "search", "--file", str(queries), "--top", "1")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert [json.loads(line)[0]["ssyk4"] for line in lines] == ["9111", "7111", "8332"]


def test_related_json_and_batch(platsa_home: Path, tmp_path: Path) -> None:
    code, out = _run("occupations", "related", SNICKARE, "--top", "2", "--json")
    assert code == 0, out
    hits = json.loads(out)
    assert len(hits) == 2 and SNICKARE not in {h["occupation_name_id"] for h in hits}
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{STADARE}\n{SNICKARE}\n", encoding="utf-8")
    code, out = _run("occupations", "related", "--file", str(ids), "--top", "1")
    assert code == 0, out
    first, second = (json.loads(line) for line in out.strip().splitlines())
    assert first[0]["ssyk4"] == "9111" and second[0]["ssyk4"] == "7111"


def test_unknown_id_is_one_error_line(platsa_home: Path, tmp_path: Path) -> None:
    code, out = _run("occupations", "related", "no-such-id")
    assert code == 3
    assert out.strip().splitlines() == ["error: unknown occupation id 'no-such-id'"]
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{STADARE}\nno-such-id\n", encoding="utf-8")
    code, out = _run("occupations", "related", "--file", str(ids))
    assert code == 3
    assert out.strip() == f"error: {ids}:2: unknown occupation id 'no-such-id'"


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("occupations", "search"), 2, "error: give either TEXT or --file"),
        (("occupations", "search", "  "), 2, "error: TEXT is empty"),
        (("occupations", "search", "--file", "missing.txt"), 3, "missing.txt"),
    ],
)
def test_bad_queries_fail_with_one_line(platsa_home: Path, args: tuple[str, ...], exit_code: int,
                                        message: str) -> None:
    code, out = _run(*args)
    assert code == exit_code
    assert len(out.strip().splitlines()) == 1 and message in out


def test_blank_line_in_file_names_the_line(platsa_home: Path, tmp_path: Path) -> None:
    queries = tmp_path / "titles.txt"
    queries.write_text("kock\n\nstädare\n", encoding="utf-8")
    code, out = _run("occupations", "search", "--file", str(queries))
    assert code == 2 and out.strip() == f"error: {queries}:2: empty query"


def test_import_then_info_uses_the_bundle(platsa_home: Path, jobtech_dir: Path,
                                          esco_dir: Path) -> None:
    code, out = _run("taxonomy", "info", "--json")
    assert code == 0 and json.loads(out)["source"] == "demo"
    assert json.loads(out)["imported"] is False
    code, out = _run("taxonomy", "import", "--jobtech", str(jobtech_dir), "--esco", str(esco_dir))
    assert code == 0, out
    written = json.loads(out)
    assert written["occupations"] == 4
    assert Path(written["path"]) == platsa_home / "taxonomy.json.gz"
    assert [p.name for p in platsa_home.iterdir()] == ["taxonomy.json.gz"]
    code, out = _run("taxonomy", "info", "--json")
    info = json.loads(out)
    assert info["imported"] is True and info["occupations"] == 4
    code, out = _run("occupations", "search", "städerska", "--json", "--top", "1")
    assert json.loads(out)[0]["occupation_name_id"] == "occ-stad"
    code, out = _run("taxonomy", "info")
    assert code == 0 and "substitutions" in out


def test_import_carries_the_prior_and_vocabulary_into_the_bundle(
    platsa_home: Path, jobtech_dir: Path, esco_dir: Path, tmp_path: Path
) -> None:
    stats = tmp_path / "scb.csv"
    stats.write_text("code_4,year,men,women\n9111,2024,10,30\n5321,2024,5,95\n", encoding="utf-8")
    openings = tmp_path / "openings.csv"
    openings.write_text("id,occupation_id\no1,occ-bygg\no2,occ-bygg\n", encoding="utf-8")
    vocations = tmp_path / "vocations.csv"
    vocations.write_text("vocation,gender\nstädare,unknown\nabbÃ©,male\n", encoding="utf-8")
    code, out = _run("taxonomy", "import", "--jobtech", str(jobtech_dir), "--esco", str(esco_dir),
                     "--occupation-stats", str(stats), "--openings", str(openings),
                     "--vocabulary", str(vocations))
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["ssyk4_with_employment"], summary["occupations_with_openings"],
            summary["vocabulary_words"]) == (2, 1, 1)
    code, out = _run("occupations", "search", "byggstädare", "--json", "--top", "1")
    why = json.loads(out)[0]["explanation"]
    assert why["employed"] == 40 and why["openings"] == 2 and 0 < why["prior_share"] < 1
    code, out = _run("taxonomy", "import", "--jobtech", str(jobtech_dir),
                     "--occupation-stats", str(tmp_path / "missing.csv"))
    assert code == 3 and "missing.csv: no such file" in out


def test_import_of_a_missing_folder_fails(platsa_home: Path, tmp_path: Path) -> None:
    code, out = _run("taxonomy", "import", "--jobtech", str(tmp_path / "nope"))
    assert code == 3 and out.strip() == f"error: {tmp_path / 'nope'}: no such folder"


def test_download_from_file_urls(platsa_home: Path, tmp_path: Path) -> None:
    site = write_jobtech_site(tmp_path / "site")
    code, out = _run("taxonomy", "download", "--dest", str(tmp_path / "dl"),
                     "--jobtech-url", site.as_uri(), "--no-esco")
    assert code == 0, out
    assert len(json.loads(out)["files"]) == 6
    code, out = _run("taxonomy", "import", "--jobtech", str(tmp_path / "dl" / "jobtech"))
    assert code == 0 and json.loads(out)["occupations"] == 4
