"""The generator writes what real programmes hold: people without formal work history, and
optional fields the registers leave empty, at configurable and documented rates."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.domain import Participant
from matcher.flat import Kind
from matcher.records import records_from_frame
from matcher.taxonomy import Taxonomy
from synth import GeneratorConfig, SyntheticProgramme, generate
from synth.config import (
    AVAILABLE_FROM_MISSING_SHARE,
    FREE_TEXT_MISSING_SHARE,
    HOME_UNKNOWN_SHARE,
    NO_TRADE_SHARE,
)
from tests.synth.conftest import SMALL
from tests.synth.test_generator import tolerance

N = SMALL.participants


def _participants(programme: SyntheticProgramme) -> list[Participant]:
    return records_from_frame(Kind.PARTICIPANTS, programme.frame("participants"))


def test_the_documented_defaults_are_realistic() -> None:
    config = GeneratorConfig()
    assert 0.25 <= config.no_trade_share == NO_TRADE_SHARE <= 0.35
    assert config.available_from_missing_share == AVAILABLE_FROM_MISSING_SHARE > 0
    assert config.home_unknown_share == HOME_UNKNOWN_SHARE > 0
    assert config.free_text_missing_share == FREE_TEXT_MISSING_SHARE > 0


def test_about_the_configured_share_has_no_prior_trades_women_more_often(
    small: SyntheticProgramme,
) -> None:
    people = _participants(small)
    without = np.array([not person.prior_trades for person in people])
    assert abs(without.mean() - NO_TRADE_SHARE) < tolerance(NO_TRADE_SHARE, N)
    women = np.array([person.gender.value == "woman" for person in people])
    assert without[women].mean() > without[~women].mean() + 0.05
    assert small.summary["no_prior_trades"] == pytest.approx(without.mean(), abs=1e-4)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_the_share_without_trades_is_a_knob(taxonomy: Taxonomy, share: float) -> None:
    config = SMALL.model_copy(update={"participants": 300, "no_trade_share": share})
    people = _participants(generate(config, taxonomy))
    assert np.mean([not person.prior_trades for person in people]) == share


def test_registers_leave_optional_fields_empty_at_the_configured_rates(
    small: SyntheticProgramme,
) -> None:
    frame = small.frame("participants")
    assert abs(frame["available_from"].isna().mean() - AVAILABLE_FROM_MISSING_SHARE) < tolerance(
        AVAILABLE_FROM_MISSING_SHARE, N)
    empty_text = (frame["free_text"].fillna("") == "").mean()
    assert abs(empty_text - FREE_TEXT_MISSING_SHARE) < tolerance(FREE_TEXT_MISSING_SHARE, N)
    approximate = frame["location_approximate"].to_numpy(dtype=bool)
    assert abs(approximate.mean() - HOME_UNKNOWN_SHARE) < tolerance(HOME_UNKNOWN_SHARE, N)
    # An unknown address is recorded as the municipality centre (and only then).
    centres = small.frame("municipalities").set_index("code")[["lat", "lon"]]
    at_centre = (frame[["home_lat", "home_lon"]].to_numpy(dtype=float)
                 == centres.loc[frame["municipality_code"]].to_numpy(dtype=float)).all(axis=1)
    assert (at_centre == approximate).all()
    assert small.summary["unrecorded"]["home"] == pytest.approx(approximate.mean(), abs=1e-4)


def test_empty_free_text_can_be_asked_for(taxonomy: Taxonomy) -> None:
    config = SMALL.model_copy(update={"participants": 400, "free_text_missing_share": 0.5})
    people = _participants(generate(config, taxonomy))
    empty = np.mean([person.free_text == "" for person in people])
    assert abs(empty - 0.5) < tolerance(0.5, 400)


def test_leaving_fields_empty_changes_nothing_else(taxonomy: Taxonomy) -> None:
    """The gaps have their own random stream: the people are the same people."""
    base = SMALL.model_copy(update={"participants": 300})
    full = base.model_copy(update={"available_from_missing_share": 0.0,
                                   "free_text_missing_share": 0.0, "home_unknown_share": 0.0})
    kept = ["id", "gender", "birth_year", "prior_trades", "swedish_level", "needs"]
    assert generate(base, taxonomy).frame("participants")[kept].equals(
        generate(full, taxonomy).frame("participants")[kept])
