"""The generated programme: reproducible, true to its config, valid and consistent."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from matcher.domain import (
    PLACEMENT_TRANSITIONS,
    Accommodation,
    Coach,
    Employer,
    LanguageLevel,
    Municipality,
    Opening,
    OpeningKind,
    Participant,
    Placement,
    PlacementStatus,
)
from matcher.taxonomy import Taxonomy
from synth import TABLE_NAMES, GeneratorConfig, SyntheticProgramme, generate
from synth.frames import LEVEL_TEXT
from synth.population import WOMAN, trade_distribution
from tests.synth.conftest import SMALL

MODELS = {
    "municipalities": Municipality,
    "coaches": Coach,
    "employers": Employer,
    "participants": Participant,
    "openings": Opening,
    "placements": Placement,
}
LIST_COLUMNS = {
    "desired_occupations", "other_languages", "licences", "needs", "required_licences",
    "accommodations",
}
LOCATIONS = {"municipalities": ("location", "lat", "lon"), "participants": ("home", "home_lat",
             "home_lon"), "openings": ("location", "location_lat", "location_lon")}
SAMPLE_ROWS = 300


def tolerance(p: float, n: int) -> float:
    """Four standard errors of a share ``p`` estimated from ``n`` draws."""
    return 4 * np.sqrt(p * (1 - p) / max(n, 1)) + 1e-3


def record_from_csv_row(kind: str, row: dict[str, str]) -> dict[str, Any]:
    """A flat CSV row (docs/data-format.md conventions) as a domain-model dict."""
    record: dict[str, Any] = {}
    for column, cell in row.items():
        if cell == "":
            continue
        if column in LIST_COLUMNS:
            record[column] = cell.split(";")
        elif column == "prior_trades":
            record[column] = json.loads(cell)
        else:
            record[column] = cell
    if kind in LOCATIONS:
        name, lat, lon = LOCATIONS[kind]
        record[name] = {"lat": record.pop(lat), "lon": record.pop(lon)}
    return record


def read_csv(directory: Path, kind: str) -> pd.DataFrame:
    return pd.read_csv(directory / f"{kind}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def csv_dir(small: SyntheticProgramme, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("programme_csv")
    small.write(directory, "csv")
    return directory


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_gives_identical_tables(small: SyntheticProgramme,
                                          taxonomy: Taxonomy) -> None:
    again = generate(SMALL, taxonomy)
    for name in TABLE_NAMES:
        assert again.tables[name].equals(small.tables[name]), name
    assert again.oracle.equals(small.oracle)
    pd.testing.assert_frame_equal(again.frame("participants"), small.frame("participants"))


def test_different_seed_gives_different_data(small: SyntheticProgramme,
                                             taxonomy: Taxonomy) -> None:
    other = generate(SMALL.model_copy(update={"seed": SMALL.seed + 1}), taxonomy)
    assert not other.tables["participants"].equals(small.tables["participants"])
    assert not other.tables["placements"].equals(small.tables["placements"])


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_files_are_byte_identical_across_runs(taxonomy: Taxonomy, tmp_path: Path,
                                              fmt: str) -> None:
    config = GeneratorConfig(participants=200, openings=60, seed=11, oracle_participants=20,
                             oracle_openings=10)
    first = generate(config, taxonomy).write(tmp_path / "a", fmt)
    second = generate(config, taxonomy).write(tmp_path / "b", fmt)
    assert [p.name for p in first] == [p.name for p in second]
    assert {p.name for p in first} >= {f"{name}.{fmt}" for name in TABLE_NAMES}
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


# --------------------------------------------------------------------------- marginals


def test_marginals_follow_the_config(small: SyntheticProgramme) -> None:
    people = small.frame("participants")
    n = len(people)
    assert n == SMALL.participants
    women = (people["gender"] == "woman").mean()
    assert women == pytest.approx(SMALL.women_share, abs=tolerance(SMALL.women_share, n))
    levels = people["swedish_level"].value_counts(normalize=True)
    for level, share in SMALL.swedish_level_shares.items():
        observed = levels.get(LEVEL_TEXT[level], 0.0)
        assert observed == pytest.approx(share, abs=tolerance(share, n)), level
    needs = people["needs"].explode().value_counts() / n
    for need, share in SMALL.need_prevalence.items():
        assert needs.get(need.value, 0.0) == pytest.approx(share, abs=tolerance(share, n)), need
    openings = small.frame("openings")
    kinds = openings["kind"].value_counts(normalize=True)
    for kind, share in SMALL.kind_shares.items():
        observed = kinds.get(kind.value, 0.0)
        assert observed == pytest.approx(share, abs=tolerance(share, len(openings))), kind
    unclassified = openings["occupation_id"].isna().mean()
    assert unclassified == pytest.approx(0.1, abs=tolerance(0.1, len(openings)))


def test_childcare_needs_are_more_common_among_women(small: SyntheticProgramme) -> None:
    people = small.frame("participants")
    childcare = people["needs"].apply(lambda needs: Accommodation.CHILDCARE_HOURS.value in needs)
    by_gender = childcare.groupby(people["gender"].astype(str)).mean()
    assert by_gender["woman"] > 2 * by_gender["man"]


def test_trades_are_gender_segregated_by_strength(small: SyntheticProgramme) -> None:
    table = small.occupations
    care = table.women_share > 0.7
    woman_weights = trade_distribution(table, table.trade_weight, WOMAN, 1.0)
    man_weights = trade_distribution(table, table.trade_weight, 1 - WOMAN, 1.0)
    assert (woman_weights[care].sum() / woman_weights.sum()
            > 2 * man_weights[care].sum() / man_weights.sum())
    neutral_w = trade_distribution(table, table.trade_weight, WOMAN, 0.0)
    neutral_m = trade_distribution(table, table.trade_weight, 1 - WOMAN, 0.0)
    assert np.allclose(neutral_w, neutral_m)


def test_summary_reports_the_history(small: SyntheticProgramme) -> None:
    summary = small.summary
    assert summary["counts"]["placements"] == small.tables["placements"].num_rows
    assert summary["in_work_share"] == pytest.approx(SMALL.history_work_rate, abs=0.08)
    assert summary["best_of_16_mean_p_unbiased"] > summary["in_work_share"]


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize("kind", TABLE_NAMES)
def test_csv_rows_validate_against_the_domain_models(csv_dir: Path, kind: str) -> None:
    frame = read_csv(csv_dir, kind)
    sample = frame.sample(min(SAMPLE_ROWS, len(frame)), random_state=0)
    for row in sample.to_dict(orient="records"):
        MODELS[kind].model_validate(record_from_csv_row(kind, row))


def test_jsonl_rows_validate_against_the_domain_models(small: SyntheticProgramme,
                                                       tmp_path: Path) -> None:
    small.write(tmp_path, "jsonl")
    for kind in TABLE_NAMES:
        lines = (tmp_path / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == small.tables[kind].num_rows
        for line in lines[:100]:
            record = {k: v for k, v in json.loads(line).items() if v is not None}
            if kind in LOCATIONS:
                name, lat, lon = LOCATIONS[kind]
                record[name] = {"lat": record.pop(lat), "lon": record.pop(lon)}
            MODELS[kind].model_validate(record)


def test_levels_are_written_in_a_parseable_form() -> None:
    assert [LanguageLevel.parse(text) for text in LEVEL_TEXT] == list(LanguageLevel)


def test_parquet_keeps_native_types(small: SyntheticProgramme, tmp_path: Path) -> None:
    small.write(tmp_path, "parquet")
    people = pq.read_table(tmp_path / "participants.parquet")
    needs = people.schema.field("needs").type
    assert pa.types.is_list(needs) and pa.types.is_string(needs.value_type)
    assert people.schema.field("prior_trades").type.value_type.names == [
        "occupation_id", "years", "title"]
    oracle = pq.read_table(tmp_path / "oracle.parquet")
    assert oracle.column_names == ["participant_id", "opening_id", "p_success",
                                   "p_success_unbiased"]
    meta = json.loads((tmp_path / "generator.json").read_text(encoding="utf-8"))
    assert GeneratorConfig.model_validate(meta["config"]) == SMALL


def test_ids_are_unique_and_references_resolve(small: SyntheticProgramme,
                                               taxonomy: Taxonomy) -> None:
    f = {name: small.frame(name) for name in TABLE_NAMES}
    for name in ("coaches", "employers", "participants", "openings", "placements"):
        assert f[name]["id"].is_unique, name
    codes = set(f["municipalities"]["code"])
    for name in ("coaches", "employers", "participants", "openings"):
        assert set(f[name]["municipality_code"]) <= codes, name
    associations = set(f["employers"].loc[f["employers"]["association"], "id"])
    assert set(f["employers"]["parent_id"].dropna()) <= associations
    assert set(f["participants"]["coach_id"]) <= set(f["coaches"]["id"])
    assert set(f["openings"]["employer_id"]) <= set(f["employers"]["id"])
    assert set(f["placements"]["participant_id"]) <= set(f["participants"]["id"])
    assert set(f["placements"]["opening_id"]) <= set(f["openings"]["id"])
    assert set(f["placements"]["coach_id"]) <= set(f["coaches"]["id"])
    occupations = set(taxonomy.occupation_ids)
    assert set(f["openings"]["occupation_id"].dropna()) <= occupations
    assert set(f["participants"]["desired_occupations"].explode().dropna()) <= occupations
    trades = f["participants"]["prior_trades"].explode().dropna()
    assert {t["occupation_id"] for t in trades if t["occupation_id"]} <= occupations


def _path_to(status: PlacementStatus) -> list[PlacementStatus]:
    """The canonical sequence of states a placement passed through to reach ``status``."""
    main = [PlacementStatus.SUGGESTED, PlacementStatus.ACCEPTED, PlacementStatus.OFFERED,
            PlacementStatus.STARTED]
    if status in main:
        return main[: main.index(status) + 1]
    if status is PlacementStatus.DECLINED:
        return [PlacementStatus.SUGGESTED, status]
    return [*main, status]


def _days(column: pd.Series) -> pd.Series:
    """A date column as datetime64 (NaT for missing), for calendar arithmetic."""
    return column.astype("datetime64[s]")


def test_placements_follow_the_state_machine_and_the_calendar(small: SyntheticProgramme) -> None:
    placements = small.frame("placements")
    openings = small.frame("openings").set_index("id")
    reference = pd.Timestamp(SMALL.reference_date)
    for status in placements["status"].unique():
        path = _path_to(PlacementStatus(status))
        for current, new in zip(path, path[1:], strict=False):
            assert new in PLACEMENT_TRANSITIONS[current]
    declined = placements["status"] == "declined"
    assert placements.loc[declined, "decline_reason"].notna().all()
    assert placements.loc[~declined, "decline_reason"].isna().all()
    finished = placements["status"].isin(["completed", "dropped"])
    assert placements.loc[finished, "ended_at"].notna().all()
    assert placements.loc[~finished, "ended_at"].isna().all()
    assert placements.loc[~finished, "outcome_90"].isna().all()
    created, updated = _days(placements["created_at"]), _days(placements["updated_at"])
    ended = _days(placements["ended_at"])
    with_outcome = placements["outcome_90"].notna()
    assert (ended[with_outcome] + pd.Timedelta(days=90) <= reference).all()
    assert (created <= updated).all() and (updated <= reference).all()
    assert (ended[finished] >= created[finished]).all()
    opening = openings.loc[placements["opening_id"]]
    assert (created.to_numpy() >= _days(opening["posted_at"]).to_numpy()).all()
    assert (ended[finished].to_numpy() <= _days(opening["end_date"]).to_numpy()[finished]).all()
    assert set(placements["status"]) >= {"declined", "completed", "dropped", "started"}


def test_openings_never_exceed_capacity(small: SyntheticProgramme) -> None:
    openings = small.frame("openings").set_index("id")
    placements = small.frame("placements")
    running = placements[placements["status"] == "started"].groupby("opening_id").size()
    filled = running.reindex(openings.index, fill_value=0)
    assert (openings["filled"] == filled).all()
    assert (openings["filled"] <= openings["capacity"]).all()
    assert ((openings["status"] == "filled") == (openings["filled"] == openings["capacity"])).all()
    ended = _days(openings["end_date"]) <= pd.Timestamp(SMALL.reference_date)
    closed = openings["status"] == "closed"
    assert (closed == (ended & (openings["status"] != "filled"))).all()
    assert (openings["hours_min"] <= openings["hours_max"]).all()


def test_ad_text_does_not_simply_repeat_the_occupation_label(small: SyntheticProgramme) -> None:
    """Retitled ads ("Byggnadsträarbetare" for a carpenter) never name the occupation's own
    label as a word, so matching them needs more than string equality."""
    openings = small.frame("openings")
    label = np.asarray(small.occupations.labels)[small.openings.occ]
    retitled = openings["title"].to_numpy() != label
    assert retitled.mean() == pytest.approx(SMALL.other_title_share, abs=0.12)
    hidden = retitled & ~np.array([own.lower() in title.lower() for own, title
                                   in zip(label, openings["title"], strict=True)])
    assert hidden.sum() > 0
    for description, own in zip(openings.loc[hidden, "description"], label[hidden], strict=True):
        assert not re.search(rf"\b{re.escape(own.lower())}\b", description.lower())


def test_lorry_driver_openings_require_heavy_licences(small: SyntheticProgramme) -> None:
    openings = small.frame("openings")
    lorry = np.array(small.occupations.ssyk4)[small.openings.occ] == "8332"
    licences = openings.loc[lorry, "required_licences"]
    assert len(licences) > 0
    assert all(set(required) & {"C", "CE"} for required in licences)
    praktik = openings["kind"] == OpeningKind.PRAKTIK.value
    assert (openings.loc[praktik, "required_experience_years"] == 0).all()


def test_oracle_covers_history_and_is_a_probability(small: SyntheticProgramme) -> None:
    oracle = small.frame("oracle")
    placements = small.frame("placements")
    pairs = set(zip(oracle["participant_id"], oracle["opening_id"], strict=True))
    assert set(zip(placements["participant_id"], placements["opening_id"], strict=True)) <= pairs
    assert len(oracle) > len(placements)
    for column in ("p_success", "p_success_unbiased"):
        assert oracle[column].between(0.0, 1.0).all()
    assert (oracle["p_success"] <= oracle["p_success_unbiased"] + 1e-12).all()
