"""The one model loader: the registry's champion (or a named version), else the rule.

Training writes a model version as an MLflow pyfunc whose artifacts hold the LightGBM booster
as text (``booster.txt``) and, when one was trained, the acceptance model
(``acceptance.json``). Everyone who needs a model (serving, the CLI, training's promotion
gate, notebooks) loads it here: the booster is found by its first line wherever it lies
(or through the ``lightgbm`` flavour of a model registered elsewhere), and it is served only
when its features are exactly the ones this code computes (:mod:`models.signature`).
Anything else is a :class:`~models.errors.ModelLoadError`, so a caller keeps the model it
has. Before any champion exists the transparent rule answers (:func:`rule_model`).

A model trained with the sentence encoder carries its files (``encoder/``: the int8 ONNX
model, tokenizer and description, :mod:`models.onnx_encoder`) and their SHA-256 as the run
parameter ``text_encoder_sha256``; they are checked against it and kept under the caller's
encoder store by fingerprint, so serving encodes with exactly what training used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from models.acceptance import AcceptanceFormatError, AcceptanceModel, read_acceptance
from models.errors import ModelLoadError
from models.onnx_encoder import MODEL_FILE, EncoderFilesError, fingerprint, missing_files
from models.ranking import RULE_VERSION, BoostedRanker, Ranker, default_rule
from models.signature import ENCODER_FINGERPRINT, TEXT_ENCODER, check_encoders, check_features

log = logging.getLogger(__name__)

#: The booster's file inside a logged model.
BOOSTER_FILE = "booster.txt"
#: A LightGBM text model starts with this line.
BOOSTER_MAGIC = b"tree\n"
#: The sentence encoder's artifact key in a logged model (found by its files wherever it lies).
ENCODER_ARTIFACT = "encoder"


@dataclass(frozen=True)
class ServedModel:
    """A ranker and where it came from; ``version`` is what answers name."""

    ranker: Ranker
    version: str
    source: str  # "registry" or "rule"
    loaded_at: dt.datetime
    run_id: str | None = None
    acceptance: AcceptanceModel | None = None  # shipped with the champion, when it has one
    encoder: Path | None = None  # the champion's verified sentence encoder files, when it has them

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "ranker": self.ranker.kind, "source": self.source,
                "run_id": self.run_id, "loaded_at": self.loaded_at.isoformat(),
                "acceptance_model": self.acceptance is not None}


def rule_model() -> ServedModel:
    """The transparent rule, served until a champion is promoted."""
    return ServedModel(ranker=default_rule(), version=RULE_VERSION, source="rule",
                       loaded_at=dt.datetime.now(dt.UTC))


# --------------------------------------------------------------------------- files


def save_booster(ranker: BoostedRanker, path: Path) -> Path:
    """The fitted booster as LightGBM text, cut at the best iteration (no pickle)."""
    ranker.booster_.save_model(str(path), num_iteration=ranker.best_iteration_)
    return path


def ranker_from_booster(booster: Any) -> BoostedRanker:
    """Wrap a booster, refusing one whose features are not the ones this code computes."""
    check_features(booster.feature_name())
    return BoostedRanker.from_booster(booster)


def load_booster(path: Path) -> BoostedRanker:
    """A ranker from a booster text file; a missing or corrupt file is a ModelLoadError."""
    import lightgbm as lgb

    if not path.is_file():
        raise ModelLoadError(f"model file {path} is missing")
    try:
        booster = lgb.Booster(model_file=str(path))
    except lgb.basic.LightGBMError as exc:
        raise ModelLoadError(f"model file {path} is corrupt: {exc}") from exc
    return ranker_from_booster(booster)


def find_booster_file(folder: Path) -> Path | None:
    """The first LightGBM text model under ``folder`` (by path order), whatever its name."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as handle:
            if handle.read(len(BOOSTER_MAGIC)) == BOOSTER_MAGIC:
                return path
    return None


def read_model(folder: Path) -> tuple[BoostedRanker, AcceptanceModel | None]:
    """The ranker and acceptance model (None without one) of a downloaded model folder."""
    found = find_booster_file(folder)
    if found is not None:
        ranker = load_booster(found)
    else:
        mlmodel = next(folder.rglob("MLmodel"), None)
        if mlmodel is None or "lightgbm:" not in mlmodel.read_text(encoding="utf-8"):
            raise ModelLoadError(f"model file {BOOSTER_FILE} is missing: no LightGBM booster "
                                 f"found in the model artifacts under {folder}")
        import mlflow.lightgbm

        model = mlflow.lightgbm.load_model(str(mlmodel.parent))
        ranker = ranker_from_booster(getattr(model, "booster_", model))
    try:
        return ranker, read_acceptance(folder, ranker.feature_names_)
    except AcceptanceFormatError as exc:
        raise ModelLoadError(str(exc)) from exc


# --------------------------------------------------------------------------- the registry


def registry_absent(uri: str) -> bool:
    """A local SQLite registry that was never created holds no model (and is not created)."""
    if not uri.startswith("sqlite:"):
        return False
    database = make_url(uri).database
    return not database or not Path(database).is_file()


def client(uri: str) -> Any:
    """An MLflow client of the tracking store and registry at ``uri``."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@contextlib.contextmanager
def downloaded(uri: str, name: str, version: str) -> Iterator[Path]:
    """A registered version's artifacts in a temporary folder; unreadable: ModelLoadError."""
    import mlflow
    from mlflow.artifacts import download_artifacts

    with tempfile.TemporaryDirectory(prefix="platsa-model-") as folder:
        try:
            mlflow.set_registry_uri(uri)  # `models:/` URIs resolve against the process-wide registry
            download_artifacts(artifact_uri=f"models:/{name}/{version}", dst_path=folder,
                               tracking_uri=uri)
        except Exception as exc:  # any failure inside MLflow refuses the version
            raise ModelLoadError(f"files of {name} version {version} cannot be read: "
                                 f"{str(exc).splitlines()[0]}") from exc
        yield Path(folder)


def load_version(uri: str, name: str, version: str) -> tuple[BoostedRanker, AcceptanceModel | None]:
    """A registered version's ranker and acceptance model; unreadable: ModelLoadError."""
    with downloaded(uri, name, version) as folder:
        try:
            return read_model(folder)
        except ModelLoadError as exc:
            raise ModelLoadError(f"{name} version {version}: {exc}") from exc


def find_encoder(folder: Path) -> Path | None:
    """The sentence encoder folder among a downloaded model's artifacts, if it has one."""
    return next((path.parent for path in sorted(folder.rglob(MODEL_FILE))
                 if not missing_files(path.parent)), None)


def read_encoder(folder: Path, params: Mapping[str, str], store: Path) -> Path | None:
    """The verified sentence encoder of a downloaded model, kept under ``store``/<sha256>.

    None when its run trained without one (``text_encoder`` none or not logged). A model
    whose run names an encoder but whose files are missing or differ from the logged
    ``text_encoder_sha256`` is refused: serving would encode differently from training.
    """
    trained = params.get(TEXT_ENCODER, "none")
    if trained == "none":
        return None
    expected = params.get(ENCODER_FINGERPRINT)
    if expected is None:
        raise ModelLoadError(f"model was trained with {TEXT_ENCODER} {trained!r} but logged no "
                             f"{ENCODER_FINGERPRINT}: its encoder cannot be checked; retrain it")
    found = find_encoder(folder)
    if found is None:
        raise ModelLoadError(f"model was trained with {TEXT_ENCODER} {trained!r} but its "
                             f"'{ENCODER_ARTIFACT}' files are missing from its artifacts")
    try:
        actual = fingerprint(found)
    except EncoderFilesError as exc:
        raise ModelLoadError(str(exc)) from exc
    if actual != expected:
        raise ModelLoadError(f"the model's encoder files have SHA-256 {actual[:16]}…, its run "
                             f"logged {ENCODER_FINGERPRINT} {expected[:16]}…: refusing altered files")
    return keep_encoder(found, store / actual, actual)


def keep_encoder(found: Path, kept: Path, sha256: str) -> Path:
    """Copy verified encoder files to ``kept`` unless an intact copy is there already
    (concurrent workers race harmlessly; a damaged copy is replaced)."""
    intact = not missing_files(kept) and fingerprint(kept) == sha256
    if not intact:
        shutil.rmtree(kept, ignore_errors=True)
        kept.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=kept.parent, prefix=".copy-"))
        shutil.copytree(found, scratch / "files")
        (scratch / "files").chmod(0o755)
        with contextlib.suppress(OSError):  # another worker kept the same files first
            (scratch / "files").rename(kept)
        shutil.rmtree(scratch, ignore_errors=True)
    return kept


def _alias_version(registry: Any, name: str, alias: str) -> Any | None:
    """The version ``name@alias`` points at; None when the model or the alias does not exist.

    The alias is looked up among the model's aliases rather than asked for directly: a
    missing alias is ``RESOURCE_DOES_NOT_EXIST`` on some MLflow stores and
    ``INVALID_PARAMETER_VALUE`` on the SQL store, the same code as a real error.
    """
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode

    try:
        aliases = registry.get_registered_model(name).aliases
        return registry.get_model_version(name, aliases[alias]) if alias in aliases else None
    except MlflowException as exc:
        if exc.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            return None
        raise ModelLoadError(f"model registry at {registry.tracking_uri}: {exc.message}") from exc


def load_served(uri: str, name: str, alias: str, encoders: Mapping[str, str] | None = None,
                encoder_store: Path | None = None) -> ServedModel:
    """``name@alias`` of the registry at ``uri``, or the rule when there is none.

    ``encoders`` names the text encoders the caller featurises with (``text_encoder``,
    ``char_encoder``); a version whose run names others is refused. With ``encoder_store``,
    the version's sentence encoder files are checked and kept there (:func:`read_encoder`)
    and come back as ``ServedModel.encoder``. Raises :class:`ModelLoadError` when a version
    exists but cannot be served, so a reload can refuse it; at startup the caller decides
    whether to fall back.
    """
    if registry_absent(uri):
        log.info("no model registry at %s: serving the transparent rule", uri)
        return rule_model()
    registry = client(uri)
    version = _alias_version(registry, name, alias)
    if version is None:
        log.info("no %s@%s in the registry: serving the transparent rule", name, alias)
        return rule_model()
    label = f"{name}/{version.version}"
    try:
        params = registry.get_run(version.run_id).data.params if version.run_id else {}
        if encoders is not None:
            check_encoders(params, encoders)
        with downloaded(uri, name, str(version.version)) as folder:
            ranker, acceptance = read_model(folder)
            encoder = None if encoder_store is None else read_encoder(folder, params, encoder_store)
    except ModelLoadError as exc:
        raise ModelLoadError(f"{label}: {exc}") from exc
    except Exception as exc:  # any failure inside MLflow or LightGBM refuses the model
        raise ModelLoadError(f"{label} failed to load: {exc}") from exc
    log.info("loaded %s (run %s, %s acceptance model, sentence encoder %s)", label, version.run_id,
             "with an" if acceptance is not None else "without an",
             params.get(TEXT_ENCODER, "none"))
    return ServedModel(ranker=ranker, version=label, source="registry",
                       loaded_at=dt.datetime.now(dt.UTC), run_id=version.run_id,
                       acceptance=acceptance, encoder=encoder)


def find_artifact(registry: Any, run_id: str, name: str, path: str | None = None) -> str | None:
    """The path of the first artifact called ``name`` in a run (searched depth first)."""
    for info in registry.list_artifacts(run_id, path):
        if info.is_dir:
            found = find_artifact(registry, run_id, name, info.path)
            if found:
                return found
        elif info.path.rsplit("/", 1)[-1] == name:
            return str(info.path)
    return None
