"""Columnar views: list cells of the flat format become bit masks over their vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.columns import ACCOMMODATIONS, _mask_column, bitmask, members


def test_list_cells_in_every_flat_form_become_the_same_masks() -> None:
    both = ["step_free_access", "mentor"]
    cells = [both, "step_free_access;mentor", None, float("nan"), "", both, ("mentor",)]
    masks = _mask_column(cells, ACCOMMODATIONS)
    expected = bitmask(both, ACCOMMODATIONS)
    assert masks.tolist() == [expected, expected, 0, 0, 0, expected,
                              bitmask(["mentor"], ACCOMMODATIONS)]
    assert [str(a) for a in members(int(masks[0]), ACCOMMODATIONS)] == sorted(
        both, key=[str(a) for a in ACCOMMODATIONS].index)
    assert masks.dtype == np.int64


def test_an_unknown_member_is_named_even_when_repeated() -> None:
    with pytest.raises(ValueError, match="'wheelchair_lift' is not in the vocabulary"):
        _mask_column([["mentor"], ["wheelchair_lift"], ["wheelchair_lift"]], ACCOMMODATIONS)
