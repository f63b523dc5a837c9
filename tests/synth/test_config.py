"""GeneratorConfig: defaults are valid, bad values are refused with the value named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.domain import Accommodation, LanguageLevel, OpeningKind
from synth import GeneratorConfig


def test_defaults_are_valid_and_derive_sizes() -> None:
    config = GeneratorConfig(openings=1000)
    assert config.women_share == 0.4 and config.bias
    assert config.employer_count == 250
    assert 2 <= config.association_count <= 12
    assert config.history_days == 1096


def test_shares_must_sum_to_one() -> None:
    shares = dict.fromkeys(OpeningKind, 0.2)
    with pytest.raises(ValidationError, match="kind_shares must sum to 1, sums to 1.2"):
        GeneratorConfig(kind_shares=shares)
    with pytest.raises(ValidationError, match="swedish_level_shares"):
        GeneratorConfig(swedish_level_shares={LanguageLevel.A1: 0.5})


def test_prevalence_outside_unit_interval_is_named() -> None:
    with pytest.raises(ValidationError, match="mentor"):
        GeneratorConfig(need_prevalence={Accommodation.MENTOR: 1.5})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"women_share": 0.995, "unrecorded_gender_share": 0.01}, "exceeds 1"),
        ({"low_schooling_share": 0.9, "university_share": 0.2}, "university_share 0.2"),
        ({"region": "Skåne län"}, "needs municipalities_path"),
        ({"participants": 0}, "participants"),
        ({"history_years": 0}, "history_years"),
        ({"unknown_knob": 1}, "unknown_knob"),
    ],
)
def test_invalid_values_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GeneratorConfig(**changes)


def test_config_round_trips_through_json() -> None:
    config = GeneratorConfig(participants=12, seed=3, bias=False)
    assert GeneratorConfig.model_validate_json(config.model_dump_json()) == config
