"""Export a sentence-transformers model to the int8 ONNX encoder files serving runs (torch side).

:func:`export_encoder` is the one export: the bundled MiniLM, a fine-tuned folder
(``platsa taxonomy tune-encoder``) or any local sentence-transformers folder goes in, an encoder
folder (:mod:`models.onnx_encoder`) comes out. It needs the ``train`` extra (torch,
sentence-transformers, onnx); serving never calls it. :func:`ensure_local_export` keeps the
export under ``PLATSA_HOME`` in step with ``PLATSA_EMBEDDING_MODEL`` for training and the demo.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.encoding import BUNDLED_MODEL_NAME, bundled_model_path, model_fingerprint
from models.onnx_encoder import MODEL_FILE, TOKENIZER_FILE, EncoderFilesError, EncoderMeta, missing_files

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from platsa.settings import Settings

log = logging.getLogger(__name__)


def source_label(source: str | Path | None) -> tuple[Path, str]:
    """(the model folder, ``name@fingerprint``) of a sentence-transformers model; ``None`` is the
    bundled MiniLM. Only local folders: nothing is downloaded."""
    if source is None:
        path = bundled_model_path()
        return path, f"{BUNDLED_MODEL_NAME}@{model_fingerprint(path)}"
    path = Path(source).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise FileNotFoundError(f"{path} is not a local sentence-transformers model folder "
                                "(no config.json or modules.json)")
    return path, f"{path.name}@{model_fingerprint(path)}"


def export_encoder(source: str | Path | None, target: Path, *, max_seq_length: int = 128) -> Path:
    """Export the sentence-transformers model at ``source`` (None: the bundled MiniLM) to ``target``.

    Only ``Transformer → mean Pooling (→ Normalize)`` models are exported (MiniLM-style; the
    pooling is redone in numpy). Written to a temporary sibling and swapped in, so a reader
    never sees a half-written folder; an existing ``target`` is replaced. Returns ``target``.
    """
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModuleNotFoundError("exporting the sentence encoder needs the train extra "
                                  f"(`pip install 'platsa[train]'`): {exc}") from exc

    path, label = source_label(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    model.max_seq_length = max_seq_length
    _check_pooling(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as scratch:
        work = Path(scratch) / "encoder"
        work.mkdir()
        inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids")
                  if name in model.tokenizer(["a"], return_tensors="np")]
        _export_fp32(model, inputs, work / "model.fp32.onnx")
        _quantise(work / "model.fp32.onnx", work / MODEL_FILE)
        (work / "model.fp32.onnx").unlink()
        model.tokenizer.backend_tokenizer.save(str(work / TOKENIZER_FILE))
        dim = model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"model {path} does not state its embedding size")
        EncoderMeta(dim=int(dim), inputs=tuple(inputs), max_seq_length=max_seq_length,
                    source=label).write(work)
        work.chmod(0o755)  # mkdtemp (and the CLI's umask) made it private; the model is no secret
        for item in work.iterdir():  # readable by the unprivileged user an image serves as
            item.chmod(0o644)
        _replace(work, target)
    log.info("exported %s as int8 ONNX to %s", label, target)
    return target


def _replace(fresh: Path, target: Path) -> None:
    """Move ``fresh`` to ``target``, the old folder (if any) set aside first and then removed."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _check_pooling(model: SentenceTransformer) -> None:
    modules = [type(module).__name__ for module in model]
    pooler: Any = model[1] if len(model) > 1 else None  # torch stubs type it Tensor | Module
    pooling = pooler.get_config_dict().get("pooling_mode") if pooler is not None else None
    if modules[:2] != ["Transformer", "Pooling"] or pooling != "mean":
        raise ValueError(f"the ONNX export needs a Transformer + mean Pooling model, got {modules} "
                         f"with pooling {pooling!r}")


def _export_fp32(model: SentenceTransformer, inputs: list[str], path: Path) -> None:
    """Trace the Hugging Face transformer (token embeddings out) with dynamic batch/length."""
    import torch

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

    transformer: Any = model[0]
    sample = model.tokenizer(["an example", "a second example text"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "token_embeddings"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about data-dependent branches
        torch.onnx.export(
            TokenEmbeddings(transformer.auto_model.eval()),
            tuple(sample[name] for name in inputs),
            str(path),
            input_names=inputs,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantise(source: Path, target: Path) -> None:
    """Dynamic int8 weights, per output channel: per-tensor scales cost ~0.07 cosine."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)


def ensure_local_export(settings: Settings, *, force: bool = False) -> Path:
    """The local export (``PLATSA_ENCODER_DIR``), made or remade when it is missing or was
    exported from another model than ``PLATSA_EMBEDDING_MODEL``; needs the ``train`` extra."""
    target = settings.encoder.resolved_encoder_dir(settings.paths.home)
    try:
        wanted = source_label(settings.encoder.embedding_model)[1]
    except ModuleNotFoundError:  # no bundled MiniLM (no `train` extra): keep what is there
        if force or missing_files(target):
            raise
        log.info("the sentence model is not installed: using the export in %s as it is", target)
        return target
    if not force and not missing_files(target):
        try:
            if EncoderMeta.read(target).source == wanted:
                return target
        except EncoderFilesError as exc:
            log.warning("re-exporting the sentence encoder: %s", exc)
    return export_encoder(settings.encoder.embedding_model, target)
