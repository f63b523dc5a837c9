"""Openings from real job ads in JobTech's format (JobSearch hits, JobStream snapshots and
JSON Lines), the snapshot download against a local server, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from matcher.domain import DrivingLicence, Employer, LanguageLevel, Opening, OpeningKind
from matcher.io import ImportValidationError
from matcher.io.ads import (
    SWEDISH_MERIT,
    SWEDISH_REQUIRED,
    SWEDISH_UNSTATED,
    download_snapshot,
    import_ads,
)
from matcher.store.engine import session_scope
from matcher.store.repositories import get_record
from matcher.taxonomy.demo import demo_taxonomy
from platsa.cli.main import _register, app
from tests.local_server import serving
from tests.matcher.io.stored import digest

DATA = Path(__file__).with_name("data")
HITS = DATA / "ads_jobsearch.json"
STREAM = DATA / "ads_jobstream.jsonl"
OCCUPATIONS = frozenset(demo_taxonomy().occupation_ids)

if not app.registered_groups:  # another test module may have registered the commands
    _register()
runner = CliRunner()


def _opening(engine: Engine, opening_id: str) -> Opening:
    with session_scope(engine) as session:
        return get_record(session, Opening, opening_id)


def _employer(engine: Engine, employer_id: str) -> Employer:
    with session_scope(engine) as session:
        return get_record(session, Employer, employer_id)


def test_jobsearch_hits_become_openings_with_their_ad_fields(seeded: Engine) -> None:
    counts = import_ads(seeded, HITS, OCCUPATIONS)
    assert (counts.openings, counts.employers) == (3, 2)
    cleaning = _opening(seeded, "ad-29384756")
    assert cleaning.external_id == "29384756"
    assert cleaning.url == "https://arbetsformedlingen.se/platsbanken/annonser/29384756"
    assert cleaning.title == "Lokalvårdare till skolor i Malmö"
    assert cleaning.occupation_id == "KF64_AvU_S4N" and cleaning.kind is OpeningKind.EMPLOYMENT
    assert (cleaning.location.lat, cleaning.location.lon) == (55.605, 13.0038)  # [lon, lat]
    assert cleaning.min_swedish is SWEDISH_MERIT  # Swedish only nice to have
    assert (cleaning.hours_min, cleaning.hours_max, cleaning.capacity) == (40, 40, 3)
    assert cleaning.application_deadline == dt.date(2025, 3, 31)
    assert cleaning.posted_at == dt.date(2025, 2, 14)
    assert (cleaning.workplace_street, cleaning.workplace_postcode, cleaning.workplace_city) == (
        "Storgatan 12", "211 42", "Malmö")
    assert (cleaning.contact_name, cleaning.contact_email, cleaning.contact_phone) == (
        "Eva Lind", "eva.lind@malmo.se", "040-34 12 34")
    assert cleaning.required_licences == [] and cleaning.required_experience_years == 0.0


def test_requirements_hours_and_place_are_read_from_their_fields(seeded: Engine) -> None:
    import_ads(seeded, HITS, OCCUPATIONS)
    cook = _opening(seeded, "ad-29384757")
    assert cook.min_swedish is SWEDISH_REQUIRED is LanguageLevel.B1
    assert cook.required_licences == [DrivingLicence.B]
    assert cook.required_experience_years == 1.0
    assert (cook.hours_min, cook.hours_max) == (20, 30)  # 50–75 % of 40 hours
    # No coordinates: the centre of Lund, as stored.
    assert (cook.location.lat, cook.location.lon) == (55.7047, 13.191)
    assert cook.contact_email == "jobb@lundsstorkok.se" and cook.contact_name is None
    shop = _opening(seeded, "ad-29384758")
    assert shop.min_swedish is SWEDISH_UNSTATED and (shop.hours_min, shop.hours_max) == (20, 40)


def test_employers_are_created_once_and_matched_by_organisation_number(
    seeded: Engine, tmp_path: Path
) -> None:
    import_ads(seeded, HITS, OCCUPATIONS)
    city = _employer(seeded, "org-2120001124")
    assert (city.name, city.organisation_number, city.municipality_code) == (
        "Malmö stad", "212000-1124", "1280")
    assert _opening(seeded, "ad-29384758").employer_id == city.id  # the same, from the file
    # A later file finds the stored employer by its number instead of making another.
    later = [{**json.loads(HITS.read_text())["hits"][2], "id": "29999999"}]
    path = tmp_path / "later.json"
    path.write_text(json.dumps(later))
    assert import_ads(seeded, path, OCCUPATIONS).employers == 0
    assert _opening(seeded, "ad-29999999").employer_id == city.id


def test_a_json_array_reads_like_the_hits(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(json.loads(HITS.read_text())["hits"]), encoding="utf-8")
    assert import_ads(seeded, path, OCCUPATIONS).openings == 3


def test_json_lines_skip_removed_ads_and_may_leave_out_other_regions(seeded: Engine) -> None:
    with pytest.raises(ImportValidationError) as caught:
        import_ads(seeded, STREAM, OCCUPATIONS)
    assert [str(e) for e in caught.value.errors] == [
        f"{STREAM}:4: workplace_address.municipality_code: no such municipality (0180)"]
    counts = import_ads(seeded, STREAM, OCCUPATIONS, OpeningKind.EXTRATJANST, only_stored=True)
    assert (counts.openings, counts.removed, counts.elsewhere) == (1, 1, 1)
    evening = _opening(seeded, "ad-30000001")
    assert evening.kind is OpeningKind.EXTRATJANST and (evening.hours_min, evening.hours_max) == (
        20, 20)
    assert _employer(seeded, evening.employer_id).organisation_number == "556036-0793"


def _ad(**changes: Any) -> dict[str, Any]:
    ad = json.loads(HITS.read_text())["hits"][2]
    ad.update(changes)
    return ad


def test_every_problem_of_every_ad_is_listed_and_nothing_is_stored(
    seeded: Engine, tmp_path: Path
) -> None:
    ads = [
        _ad(id="1"),
        _ad(id="2", occupation={"concept_id": "nope_nope_123"}),
        _ad(id="3", employer={"organization_number": "2120001125", "name": "Malmö stad"}),
        _ad(id="4", headline=None, number_of_vacancies=0),
        _ad(id="5", driving_license_required=True, driving_license=[{"label": "Q"}],
            workplace_address={"municipality_code": "1280", "coordinates": [13.0]}),
        _ad(id="1"),
    ]
    path = tmp_path / "ads.json"
    path.write_text(json.dumps(ads), encoding="utf-8")
    before = digest(seeded)
    with pytest.raises(ImportValidationError) as caught:
        import_ads(seeded, path, OCCUPATIONS)
    found = [(e.line, e.field, e.reason) for e in caught.value.errors]
    assert found == [
        (2, "occupation.concept_id", "not an occupation of the imported taxonomy"),
        (3, "employer.organization_number",
         "organisation number '2120001125' fails its check digit"),
        (4, "headline", "missing"),
        (4, "number_of_vacancies", "Input should be greater than or equal to 1"),
        (5, "workplace_address.coordinates", "expected [longitude, latitude]"),
        (5, "driving_license[0]", "not a Swedish licence category"),
        (6, "id", "id repeats line 1"),
    ]
    assert digest(seeded) == before


def test_an_ad_imported_before_is_refused(seeded: Engine) -> None:
    import_ads(seeded, HITS, OCCUPATIONS)
    before = digest(seeded)
    with pytest.raises(ImportValidationError) as caught:
        import_ads(seeded, HITS, OCCUPATIONS)
    assert [(e.line, e.reason, e.value) for e in caught.value.errors] == [
        (1, "already stored", "ad-29384756"), (2, "already stored", "ad-29384757"),
        (3, "already stored", "ad-29384758")]
    assert digest(seeded) == before


def test_a_file_that_holds_no_ads_is_refused(seeded: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ads.json"
    path.write_text('{"total": 0}')
    with pytest.raises(ImportValidationError, match="expected a JSON array of ads"):
        import_ads(seeded, path, OCCUPATIONS)
    path.write_text('[{"id": 1},\n {"id": 2]')
    with pytest.raises(ImportValidationError, match=r"ads.json:2: row: invalid JSON"):
        import_ads(seeded, path, OCCUPATIONS)


@pytest.fixture
def jobstream(tmp_path: Path) -> Iterator[str]:
    """A local stand-in for JobStream: ``/v2/snapshot`` serves a JSON array of ads."""
    site = tmp_path / "site"
    (site / "v2").mkdir(parents=True)
    (site / "v2" / "snapshot").write_text(json.dumps(json.loads(HITS.read_text())["hits"]))
    shutil.copy(DATA / "coaches_bom.csv", site / "not-ads.csv")
    with serving(site) as url:
        yield url


def test_a_snapshot_downloads_from_a_jobstream_server(jobstream: str, tmp_path: Path) -> None:
    target = download_snapshot(tmp_path / "ads" / "snapshot.json", f"{jobstream}/v2/snapshot")
    assert len(json.loads(target.read_text())) == 3
    with pytest.raises(OSError, match=r"could not download .*/v2/nope: HTTP 404"):
        download_snapshot(tmp_path / "nope.json", f"{jobstream}/v2/nope")
    with pytest.raises(ImportValidationError):
        download_snapshot(tmp_path / "bad.json", f"{jobstream}/not-ads.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads", "site"]  # nothing half-written


def test_cli_downloads_and_imports_ads(platsa_home: Path, jobstream: str, tmp_path: Path) -> None:
    for kind in ("municipalities", "employers"):
        source = tmp_path / f"{kind}.csv"
        rows = {"municipalities": "code,name,lat,lon\n1280,Malmö,55.605,13.0038\n"
                                  "1281,Lund,55.7047,13.191\n",
                "employers": "id,name,municipality_code\ne1,Bageriet AB,1280\n"}[kind]
        source.write_text(rows, encoding="utf-8")
        assert runner.invoke(app, ["import", kind, str(source)]).exit_code == 0
    target = tmp_path / "snapshot.json"
    result = runner.invoke(app, ["import", "ads", str(target), "--download",
                                 "--url", f"{jobstream}/v2/snapshot"])
    assert result.exit_code == 0, result.output
    assert f"downloaded {jobstream}/v2/snapshot to {target}" in result.output
    assert "imported 3 openings and 2 new employers" in result.output
    again = runner.invoke(app, ["import", "ads", str(target), "--max-errors", "1"])
    assert again.exit_code == 2  # bad input: the ads are already stored
    assert f"{target}:1: id: already stored (ad-29384756)" in again.output
    assert "3 problems found; nothing imported" in again.output
