"""Encoders: the bundled MiniLM offline, the int8 ONNX export, the disk cache, the hasher."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.encoding import (
    CachedEncoder,
    Encoder,
    HashingCharEncoder,
    SentenceTransformerEncoder,
    clean_text,
    opening_text,
    participant_text,
    text_key,
    trim_text,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TITLES = ["warehouse worker", "warehouse operative", "kindergarten teacher", "cook"]


class CountingEncoder:
    """Records every batch it is asked to encode; vectors come from the hasher."""

    def __init__(self, name: str = HashingCharEncoder(dim=64).name) -> None:
        self.inner = HashingCharEncoder(dim=64)
        self.name = name
        self.dim = self.inner.dim
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts)


def assert_unit_rows(vectors: np.ndarray, dim: int) -> None:
    assert vectors.dtype == np.float32 and vectors.shape[1] == dim
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# ------------------------------------------------------------------ the bundled model


@pytest.fixture(scope="module")
def minilm() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(batch_size=8)


@pytest.mark.slow
def test_bundled_model_loads_offline_as_384_dim_unit_vectors(minilm) -> None:
    vectors = minilm.encode(TITLES)
    assert minilm.dim == 384 and vectors.shape == (4, 384)
    assert_unit_rows(vectors, 384)
    assert minilm.name.startswith("st:all-MiniLM-L6-v2@") and minilm.name.endswith(":seq128")
    assert isinstance(minilm, Encoder)


@pytest.mark.slow
def test_similar_titles_score_higher_than_unrelated(minilm) -> None:
    worker, operative, teacher, cook = minilm.encode(TITLES)
    assert worker @ operative > worker @ teacher
    assert worker @ operative > worker @ cook


@pytest.mark.slow
def test_empty_input_gives_an_empty_matrix(minilm) -> None:
    assert minilm.encode([]).shape == (0, 384)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"threads": 0}, "threads=0"),
        ({"batch_size": 0}, "batch_size=0"),
    ],
)
def test_bad_encoder_options_are_named(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SentenceTransformerEncoder(**options)


def test_missing_model_folder_is_reported(tmp_path: Path) -> None:
    encoder = SentenceTransformerEncoder(tmp_path / "no-such-model")
    with pytest.raises((FileNotFoundError, OSError), match="no-such-model"):
        encoder.encode(["x"])


# ------------------------------------------------------------------ cache


def test_cache_hits_skip_the_inner_encoder(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cache = CachedEncoder(inner, tmp_path)
    first = cache.encode(["a b", "c d"])
    again = cache.encode(["c d", "e f", "a b", "e f"])
    assert inner.calls == [["a b", "c d"], ["e f"]]
    np.testing.assert_array_equal(again[[0, 2]], first[[1, 0]])
    np.testing.assert_array_equal(again[1], again[3])
    assert (cache.misses, cache.hits) == (3, 3) and len(cache) == 3


def test_missing_texts_go_to_the_inner_encoder_once_and_in_order(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cache = CachedEncoder(inner, tmp_path)
    cache.encode(["b"])
    vectors = cache.encode(["z", "b", "a", "z", "m"])
    assert inner.calls[-1] == ["z", "a", "m"]
    np.testing.assert_array_equal(vectors, inner.inner.encode(["z", "b", "a", "z", "m"]))


def test_whitespace_variants_share_a_vector(tmp_path: Path) -> None:
    inner = CountingEncoder()
    CachedEncoder(inner, tmp_path).encode(["Lager  arbetare\n"])
    CachedEncoder(inner, tmp_path).encode([" Lager arbetare"])
    assert len(inner.calls) == 1
    assert text_key("Lager  arbetare\n") == text_key("Lager arbetare")


def test_cache_survives_a_new_instance_and_separates_encoders(tmp_path: Path) -> None:
    first = CachedEncoder(CountingEncoder(), tmp_path)
    stored = first.encode(["praktik som kock"])
    first.close()
    same = CountingEncoder()
    np.testing.assert_array_equal(CachedEncoder(same, tmp_path).encode(["praktik som kock"]), stored)
    other = CountingEncoder(name="another-model")
    CachedEncoder(other, tmp_path).encode(["praktik som kock"])
    assert same.calls == [] and other.calls == [["praktik som kock"]]


def test_cache_survives_a_new_process(tmp_path: Path) -> None:
    script = (
        "import sys; from models.encoding import CachedEncoder, HashingCharEncoder;"
        "CachedEncoder(HashingCharEncoder(dim=64), sys.argv[1]).encode(['städare', 'kock'])"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=PROJECT_ROOT)
    inner = CountingEncoder()
    vectors = CachedEncoder(inner, tmp_path).encode(["kock", "städare"])
    assert inner.calls == []
    np.testing.assert_array_equal(vectors, HashingCharEncoder(dim=64).encode(["kock", "städare"]))


def test_cache_lookups_span_many_chunks(tmp_path: Path) -> None:
    texts = [f"öppning {n}" for n in range(1_234)]
    inner = CountingEncoder()
    stored = CachedEncoder(inner, tmp_path).encode(texts)
    again = CachedEncoder(inner, tmp_path).encode(texts[::-1])
    assert len(inner.calls) == 1
    np.testing.assert_array_equal(again, stored[::-1])


def test_cache_of_nothing_is_empty(tmp_path: Path) -> None:
    inner = CountingEncoder()
    assert CachedEncoder(inner, tmp_path).encode([]).shape == (0, 64)
    assert inner.calls == []


def test_forget_deletes_the_given_texts_of_every_encoder(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cache = CachedEncoder(inner, tmp_path)
    cache.encode(["snickare, Bagare", "lagerarbetare"])
    other = CachedEncoder(CountingEncoder(name="another-model"), tmp_path)
    other.encode(["snickare, Bagare", "kock"])
    # a whitespace variant is the same cached text; a repeat or an unknown text adds nothing
    assert cache.forget(["snickare,  Bagare", "snickare, Bagare", "never encoded"]) == 2
    assert (len(cache), len(other)) == (1, 1)  # the text's vector in the other space went too
    cache.encode(["snickare, Bagare"])
    assert inner.calls[-1] == ["snickare, Bagare"]  # gone: encoded afresh
    assert cache.forget([]) == 0


def test_forget_on_a_cache_never_written_creates_nothing(tmp_path: Path) -> None:
    assert CachedEncoder(CountingEncoder(), tmp_path / "cache").forget(["kock"]) == 0
    assert not (tmp_path / "cache").exists()


# ------------------------------------------------------------------ hashing encoder


def test_hashing_encoder_is_deterministic_and_unit_norm() -> None:
    texts = ["Lagerarbetare", "lagerarbete i Malmö", "Kock", "Undersköterska"]
    vectors = HashingCharEncoder().encode(texts)
    np.testing.assert_array_equal(vectors, HashingCharEncoder().encode(texts))
    assert_unit_rows(vectors, 512)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[3]


def test_hashing_encoder_gives_repeated_texts_the_rows_each_gets_alone() -> None:
    texts = ["Kock", "Lokalvårdare", "Kock", "", "Lokalvårdare", "Kock"]
    encoder = HashingCharEncoder(dim=64)
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    np.testing.assert_array_equal(together, alone)
    assert together.shape == (6, 64)


def test_hashing_encoder_maps_empty_text_to_zero() -> None:
    vectors = HashingCharEncoder(dim=32).encode(["", "kock"])
    assert not vectors[0].any() and vectors.shape == (2, 32)
    assert HashingCharEncoder(dim=32).encode([]).shape == (0, 32)
    with pytest.raises(ValueError, match="dim=1"):
        HashingCharEncoder(dim=1)


# ------------------------------------------------------------------ texts


def test_opening_text_keeps_title_occupation_and_first_sentences() -> None:
    text = opening_text(
        "Praktik som kock",
        "Kock",
        "Du lagar lunch.  Du diskar ibland. Vi erbjuder friskvårdsbidrag och mycket annat.",
        max_chars=60,
    )
    assert text == "Praktik som kock. Kock. Du lagar lunch. Du diskar ibland."


def test_opening_text_skips_repeated_or_missing_parts() -> None:
    assert opening_text("Kock", "kock", "") == "Kock"
    assert opening_text("Kock", None, "Lunch.") == "Kock. Lunch"


def test_participant_text_joins_trades_wishes_and_words() -> None:
    text = participant_text(["Snickare", "Målare"], ["Byggarbetare"], "Jag gillar att bygga.")
    assert text == "Snickare, Målare. Byggarbetare. Jag gillar att bygga"


def test_trim_text_cuts_at_a_word_when_no_sentence_end_is_near() -> None:
    assert trim_text("lagerarbete med truck och plock", 20) == "lagerarbete med"
    assert trim_text("kort", 20) == "kort"
    with pytest.raises(ValueError, match="max_chars=0"):
        trim_text("x", 0)


@given(text=st.text(min_size=0, max_size=300), max_chars=st.integers(min_value=1, max_value=200))
def test_trim_text_is_a_short_prefix_of_the_cleaned_text(text: str, max_chars: int) -> None:
    trimmed = trim_text(text, max_chars)
    assert len(trimmed) <= max_chars
    assert clean_text(text).startswith(trimmed)
