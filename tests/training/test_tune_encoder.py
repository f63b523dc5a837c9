"""Fine-tuning the bundled MiniLM on the taxonomy's own pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.taxonomy.demo import demo_taxonomy
from platsa.settings import Settings
from training.tune_encoder import (
    TuneConfig,
    retrieval_accuracy,
    split_positions,
    training_pairs,
    tune_encoder,
)

DEMO = demo_taxonomy()


def test_pairs_join_each_name_to_its_other_names_group_and_siblings() -> None:
    position = DEMO.index_of("DLEi_bTh_oLA")  # Lagerarbetare/Terminalarbetare (4322)
    pairs = training_pairs(DEMO, [position], seed=0)
    texts = {text for name, text in pairs}
    assert {name for name, _ in pairs} == {"Lagerarbetare/Terminalarbetare"}
    assert {"Lagerarbetare", "Terminalarbetare", "warehouse worker", "lagermedarbetare"} <= texts
    assert DEMO.ssyk_label("4322") in texts
    assert "Godsmottagare" in texts  # the other name of SSYK 4322


def test_held_out_occupations_are_disjoint_from_training_ones() -> None:
    train, held = split_positions(100, 0.1, seed=4)
    assert len(held) == 10 and not set(train) & set(held) and len(train) + len(held) == 100
    with pytest.raises(ValueError, match="holdout"):
        TuneConfig(holdout=1.0)


def test_retrieval_accuracy_counts_pairs_whose_name_is_nearest() -> None:
    vectors = {"a": [1.0, 0.0], "b": [0.0, 1.0], "near a": [0.9, 0.1], "near b": [0.2, 0.8]}

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray([vectors[t] for t in texts])

    assert retrieval_accuracy(encode, ["a", "b"], [("a", "near a"), ("b", "near b")]) == 1.0
    assert retrieval_accuracy(encode, ["a", "b"], [("b", "near a")]) == 0.0


@pytest.mark.slow
def test_tuning_saves_a_model_that_loads_and_logs_the_run(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    settings = Settings().replace(home=tmp_path / "home")
    result = tune_encoder(DEMO, settings, TuneConfig(batch_size=16, holdout=0.2, seed=1))
    saved = Path(result.path)
    assert saved.parent == (tmp_path / "home" / "encoders").resolve()
    assert result.pairs > 100 and result.held_out_pairs > 10
    assert result.accuracy_before is not None and result.accuracy_after is not None
    assert result.run_id and (tmp_path / "home" / "mlflow.db").is_file()
    model = SentenceTransformer(str(saved), device="cpu")
    assert model.encode(["Snickare"]).shape == (1, 384)
