"""The sentence encoder as served: int8 ONNX files run with onnxruntime, tokenised by ``tokenizers``.

No torch, transformers or sentence-transformers here: a serving worker imports this module
only. The files are made on the torch side by :func:`models.export.export_encoder` (any
sentence-transformers folder: the bundled MiniLM or a fine-tuned one) and travel with every
registered model (:mod:`models.loader`), so serving encodes with exactly what training used.

An encoder folder holds three files, and its :func:`fingerprint` is the SHA-256 of all three:

- ``model.int8.onnx``: the transformer, token embeddings out, weights int8 per channel;
- ``tokenizer.json``: the fast tokenizer;
- ``meta.json``: the width, the model's inputs, the token limit, the pooling and the source.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from models.encoding import Vectors, clean_text, normalise_rows

if TYPE_CHECKING:
    from tokenizers import Encoding

MODEL_FILE = "model.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "meta.json"
#: Every file of an encoder folder, in the order the fingerprint reads them.
ENCODER_FILES = (MODEL_FILE, TOKENIZER_FILE, META_FILE)


class EncoderFilesError(FileNotFoundError):
    """An encoder folder lacks a file or its description cannot be read."""


def missing_files(folder: Path) -> list[str]:
    """The encoder files not in ``folder`` (all of them when it does not exist)."""
    return [name for name in ENCODER_FILES if not (folder / name).is_file()]


def fingerprint(folder: Path) -> str:
    """SHA-256 (hex) over the names and bytes of the encoder files: equal files, equal vectors."""
    missing = missing_files(folder)
    if missing:
        raise EncoderFilesError(f"encoder folder {folder} lacks {', '.join(missing)}")
    digest = hashlib.sha256()
    for name in ENCODER_FILES:
        digest.update(name.encode())
        with (folder / name).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class EncoderMeta:
    """What ``meta.json`` says about the exported model."""

    dim: int
    inputs: tuple[str, ...]
    max_seq_length: int
    source: str  # the sentence-transformers model it came from, as name@fingerprint

    @classmethod
    def read(cls, folder: Path) -> EncoderMeta:
        path = folder / META_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(dim=int(raw["dim"]), inputs=tuple(raw["inputs"]),
                       max_seq_length=int(raw["max_seq_length"]), source=str(raw["source"]))
        except FileNotFoundError as exc:
            raise EncoderFilesError(f"encoder description {path} is missing") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise EncoderFilesError(f"encoder description {path} is unreadable: {exc!r}") from exc

    def write(self, folder: Path) -> None:
        raw = {"dim": self.dim, "inputs": list(self.inputs), "max_seq_length": self.max_seq_length,
               "pooling": "mean", "source": self.source}
        (folder / META_FILE).write_text(json.dumps(raw, indent=1), encoding="utf-8")


class OnnxInt8Model:
    """A mean-pooled BERT-style sentence model as int8 ONNX, run with onnxruntime.

    Texts are run **one at a time**, spread over ``workers`` threads (onnxruntime releases
    the GIL; each run uses one intra-op thread). Dynamic quantisation scales activations per
    tensor, so in a padded batch a text's vector would shift with its batch-mates and cached
    vectors would depend on batching; single texts also waste nothing on padding and
    measured as many texts per CPU-second as batches of 64.
    """

    def __init__(self, folder: Path, workers: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        meta = EncoderMeta.read(folder)
        self.dim = meta.dim
        self.inputs = meta.inputs
        self.workers = workers or os.cpu_count() or 1
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=meta.max_seq_length)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        """Mean-pooled, normalised vectors, one session run per text."""
        from concurrent.futures import ThreadPoolExecutor

        encodings = self.tokenizer.encode_batch(list(texts))
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            pooled: Iterable[Vectors] = pool.map(self._encode_one, encodings)
            if show_progress:
                from tqdm import tqdm

                pooled = tqdm(pooled, total=len(encodings), desc="Texts", unit="text")
            rows = list(pooled)
        if not rows:
            return np.empty((0, self.dim), dtype=np.float32)
        return normalise_rows(np.stack(rows))

    def _encode_one(self, encoding: Encoding) -> Vectors:
        ids = np.array([encoding.ids], dtype=np.int64)
        feeds = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        (hidden,) = self.session.run(None, {name: feeds[name] for name in self.inputs})
        return hidden[0].mean(axis=0)


class OnnxEncoder:
    """The :class:`~models.encoding.Encoder` over an exported folder; loads on first encode.

    Its :attr:`name` carries the files' fingerprint, so vectors cached for one export are
    never served for another. ``threads``: texts encoded in parallel (default one per core).
    """

    def __init__(self, folder: str | Path, *, threads: int | None = None,
                 show_progress: bool = False) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads={threads!r} must be at least 1")
        self.folder = Path(folder)
        self.meta = EncoderMeta.read(self.folder)
        self.threads = threads
        self.show_progress = show_progress

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.folder)

    @property
    def name(self) -> str:
        return f"onnx-int8:{self.meta.source}:{self.fingerprint[:16]}:seq{self.meta.max_seq_length}"

    @property
    def dim(self) -> int:
        return self.meta.dim

    @cached_property
    def model(self) -> OnnxInt8Model:
        return OnnxInt8Model(self.folder, self.threads)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return self.model.encode([clean_text(text) for text in texts], show_progress=self.show_progress)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "folder": str(self.folder), "sha256": self.fingerprint,
                "source": self.meta.source, "dim": self.dim}
