"""Building blocks: seeded streams, row-wise draws, bit masks, pair noise and wording."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synth.sampling import (
    bits_from_flags,
    categorical,
    categorical_rows,
    flags_from_bits,
    pair_normal,
    popcount,
    rank_in_runs,
    stream,
)
from synth.text import OptionTable, misspellings, sentences_from_bits, spoken_variants


def test_streams_are_reproducible_and_independent_per_stage() -> None:
    assert stream(3, "a").random() == stream(3, "a").random()
    assert stream(3, "a").random() != stream(3, "b").random()
    assert stream(3, "a").random() != stream(4, "a").random()


def test_categorical_follows_weights_and_refuses_zero() -> None:
    draws = categorical(stream(0, "t"), [0.0, 1.0, 3.0], 40_000)
    assert set(np.unique(draws)) == {1, 2}
    assert (draws == 2).mean() == pytest.approx(0.75, abs=0.01)
    with pytest.raises(ValueError, match="sum to 0"):
        categorical(stream(0, "t"), [0.0, 0.0], 3)


def test_categorical_rows_uses_each_rows_distribution() -> None:
    weights = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 5.0], [0.0, 0.0, 0.0]])
    rows = np.array([0, 1, 0, 2, 1])
    assert categorical_rows(stream(0, "t"), weights, rows).tolist() == [1, 2, 1, -1, 2]


def test_rank_in_runs_numbers_members_of_consecutive_groups() -> None:
    assert rank_in_runs(np.array([7, 7, 9, 7, 7, 7])).tolist() == [0, 1, 0, 0, 1, 2]
    assert rank_in_runs(np.array([], dtype=np.int64)).tolist() == []


@given(st.lists(st.lists(st.booleans(), min_size=11, max_size=11), min_size=1, max_size=20))
def test_bit_masks_round_trip(rows: list[list[bool]]) -> None:
    flags = np.array(rows, dtype=bool)
    masks = bits_from_flags(flags)
    assert (flags_from_bits(masks, 11) == flags).all()
    assert (popcount(masks) == flags.sum(axis=1)).all()


def test_pair_noise_is_a_fixed_standard_normal_function_of_the_pair() -> None:
    left = np.arange(200_000) % 977
    right = np.arange(200_000) // 977
    z = pair_normal(5, left, right)
    assert z.mean() == pytest.approx(0.0, abs=0.01) and z.std() == pytest.approx(1.0, abs=0.01)
    assert (pair_normal(5, left[::-1], right[::-1]) == z[::-1]).all()  # batch order is irrelevant
    assert not np.allclose(pair_normal(6, left, right), z)


def test_misspellings_are_typical_slips() -> None:
    assert "stadare" in misspellings("städare")
    assert "lastbilschaufför".replace("ff", "f") in misspellings("lastbilschaufför")
    assert misspellings("ab") == []


def test_spoken_variants_say_the_trade_in_several_ways() -> None:
    variants = spoken_variants("Träarbetare/Snickare", ["Byggnadsträarbetare"], ["byggare"])
    assert {"träarbetare", "snickare", "byggare", "jobbade som snickare"} <= set(variants)
    assert len(variants) == len(set(variants))


def test_option_table_draws_within_each_rows_options() -> None:
    table = OptionTable.from_lists([["a", "b"], [], ["c"]])
    picked = table.draw(stream(0, "t"), np.array([0, 1, 2, -1, 0, 0, 0]))
    assert picked[1] is None and picked[3] is None and picked[2] == "c"
    assert set(picked[[0, 4, 5, 6]]) <= {"a", "b"}


def test_sentences_from_bits_joins_set_members_in_order() -> None:
    result = sentences_from_bits(np.array([0, 5, 2]), ["X", "Y", "Z"], ", ")
    assert result.tolist() == ["", "X, Z", "Y"]
