"""The served sentence encoder: int8 ONNX files exported from MiniLM, fingerprinted, torch-free."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.encoding import CachedEncoder, Encoder, SentenceTransformerEncoder, default_encoder
from models.export import ensure_local_export, source_label
from models.onnx_encoder import (
    ENCODER_FILES,
    META_FILE,
    EncoderFilesError,
    OnnxEncoder,
    fingerprint,
    missing_files,
)
from platsa.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TITLES = ["warehouse worker", "warehouse operative", "kindergarten teacher", "cook"]

pytestmark = pytest.mark.slow  # the session's export runs torch once


@pytest.fixture
def copied(exported_encoder: Path, tmp_path: Path) -> Path:
    """A copy of the export this test may alter."""
    return Path(shutil.copytree(exported_encoder, tmp_path / "copy"))


def test_the_export_tracks_the_torch_vectors_and_runs_one_text_at_a_time(exported_encoder: Path) -> None:
    onnx = OnnxEncoder(exported_encoder)
    vectors = onnx.encode(TITLES)
    assert isinstance(onnx, Encoder) and onnx.dim == 384 and vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    torch = SentenceTransformerEncoder(batch_size=3)
    assert onnx.name != torch.name
    assert np.min(np.sum(vectors * torch.encode(TITLES), axis=1)) > 0.97
    worker, operative, teacher, _ = vectors
    assert worker @ operative > worker @ teacher
    # a vector must not depend on its batch-mates (cached vectors are reused one by one)
    single = OnnxEncoder(exported_encoder, threads=1)
    np.testing.assert_allclose(single.encode(TITLES[2:]), vectors[2:], atol=1e-6)
    assert onnx.encode([]).shape == (0, 384)


def test_the_name_carries_the_source_and_the_files_fingerprint(exported_encoder: Path) -> None:
    onnx = OnnxEncoder(exported_encoder)
    meta = json.loads((exported_encoder / META_FILE).read_text())
    assert meta["source"] == source_label(None)[1] and meta["max_seq_length"] == 128
    assert onnx.fingerprint == fingerprint(exported_encoder) and len(onnx.fingerprint) == 64
    assert onnx.name == f"onnx-int8:{meta['source']}:{onnx.fingerprint[:16]}:seq128"


def test_any_change_to_a_file_changes_the_fingerprint(copied: Path) -> None:
    before = fingerprint(copied)
    tokenizer = copied / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text() + " ")
    assert fingerprint(copied) != before


def test_a_missing_file_is_named(copied: Path) -> None:
    (copied / "tokenizer.json").unlink()
    assert missing_files(copied) == ["tokenizer.json"]
    with pytest.raises(EncoderFilesError, match="lacks tokenizer.json"):
        fingerprint(copied)
    assert missing_files(copied / "nowhere") == list(ENCODER_FILES)


def test_an_unreadable_description_is_named(copied: Path) -> None:
    (copied / META_FILE).write_text('{"dim": 384}')
    with pytest.raises(EncoderFilesError, match="meta.json is unreadable"):
        OnnxEncoder(copied)


def test_the_default_encoder_is_the_local_export_cached_under_home(
        exported_encoder: Path, platsa_home: Path) -> None:
    settings = Settings().replace(home=platsa_home, encoder_dir=exported_encoder)
    encoder = default_encoder(settings)
    assert isinstance(encoder, CachedEncoder) and isinstance(encoder.inner, OnnxEncoder)
    assert encoder.path.parent == platsa_home / "embeddings"
    assert encoder.name == OnnxEncoder(exported_encoder).name


def test_without_exported_files_there_is_no_sentence_encoder_and_the_log_says_how_to_make_it(
        platsa_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert default_encoder(Settings().replace(home=platsa_home)) is None
    assert "platsa encoder export" in caplog.text and str(platsa_home / "encoder") in caplog.text


def test_the_local_export_is_kept_while_it_comes_from_the_configured_model(
        exported_encoder: Path) -> None:
    settings = Settings().replace(encoder_dir=exported_encoder)
    before = fingerprint(exported_encoder)
    assert ensure_local_export(settings) == exported_encoder
    assert fingerprint(exported_encoder) == before  # not exported again


def test_only_local_model_folders_are_exported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a local sentence-transformers model folder"):
        source_label(tmp_path / "my-model")
    shutil.copytree(source_label(None)[0], tmp_path / "tuned", ignore=shutil.ignore_patterns("*.safetensors"))
    assert source_label(tmp_path / "tuned")[1].startswith("tuned@")


def test_encoding_imports_neither_torch_nor_transformers(exported_encoder: Path) -> None:
    code = ("import sys; from models.onnx_encoder import OnnxEncoder;"
            f"OnnxEncoder({str(exported_encoder)!r}).encode(['kock']);"
            "print(sorted({'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, check=True, env={"PYTHONPATH": str(PROJECT_ROOT)})
    assert done.stdout.strip() == "[]"
