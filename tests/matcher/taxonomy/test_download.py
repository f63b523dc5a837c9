"""Downloads against a local HTTP server on 127.0.0.1 (and file:// URLs), never the internet."""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.taxonomy import jobtech
from matcher.taxonomy.download import download_esco, download_jobtech
from matcher.taxonomy.esco import load_esco
from matcher.taxonomy.importer import import_taxonomy
from tests.local_server import serving
from tests.matcher.taxonomy.conftest import write_esco, write_jobtech_site


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """What the fake publisher serves: JobTech's ``NAME/NAME.json`` layout and ESCO zips."""
    root = tmp_path / "site"
    write_jobtech_site(root / "query")
    esco = write_esco(tmp_path / "esco-src")
    with zipfile.ZipFile(root / "classification.zip", "w") as bundle:
        bundle.writestr("csv/occupations_en.csv",
                        gzip.decompress((esco / "occupations_en.csv.gz").read_bytes()))
        bundle.write(esco / "skills_en.csv", "csv/skills_en.csv")
        bundle.writestr("csv/ISCOGroups_en.csv", "not needed\n")
    with zipfile.ZipFile(root / "relations.zip", "w") as bundle:
        bundle.write(esco / "occupationSkillRelations_en.csv", "occupationSkillRelations.csv")
    (root / "broken.zip").write_bytes(b"this is not a zip")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[str]:
    with serving(site) as url:
        yield url


def test_jobtech_download_over_http_then_import(server: str, tmp_path: Path) -> None:
    files = download_jobtech(tmp_path / "dest", base_url=f"{server}/query/")
    assert [p.name for p in files] == [f"{name}.json" for name in jobtech.DATASETS]
    assert len(import_taxonomy(tmp_path / "dest")) == 4


def test_jobtech_download_from_file_url(site: Path, tmp_path: Path) -> None:
    files = download_jobtech(tmp_path / "dest", base_url=(site / "query").as_uri(),
                             datasets=[jobtech.HIERARCHY])
    assert len(jobtech.read_concepts(files[0])) == 3


def test_missing_dataset_names_the_url_and_leaves_nothing(server: str, tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"could not download http://127\.0\.0\.1:\d+/query/nope/"
                                      r"nope\.json: HTTP 404"):
        download_jobtech(tmp_path / "dest", base_url=f"{server}/query", datasets=["nope"])
    assert list((tmp_path / "dest").iterdir()) == []


def test_a_non_jobtech_document_is_rejected(server: str, tmp_path: Path, site: Path) -> None:
    (site / "query" / "skills" / "skills.json").write_text("<html>maintenance</html>")
    with pytest.raises(ValueError, match="not a JobTech JSON file"):
        download_jobtech(tmp_path / "dest", base_url=f"{server}/query", datasets=["skills"])
    assert list((tmp_path / "dest").iterdir()) == []


def test_unreachable_host_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="could not download http://127.0.0.1:9/"):
        download_jobtech(tmp_path, base_url="http://127.0.0.1:9", datasets=["skills"], timeout=5)


def test_esco_download_extracts_the_tables(server: str, tmp_path: Path) -> None:
    files = download_esco(
        tmp_path / "esco", [f"{server}/classification.zip", f"{server}/relations.zip"]
    )
    assert [p.name for p in files] == [
        "occupations_en.csv", "skills_en.csv", "occupationSkillRelations.csv"
    ]
    assert not (tmp_path / "esco" / "ISCOGroups_en.csv").exists()
    assert len(load_esco(tmp_path / "esco").occupations) == 4


def test_esco_download_names_missing_tables(server: str, tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="no occupationSkillRelations.csv in the ESCO archives"):
        download_esco(tmp_path / "esco", [f"{server}/classification.zip"])
    with pytest.raises(ValueError, match="broken.zip: not a zip archive"):
        download_esco(tmp_path / "esco", [f"{server}/broken.zip"])
