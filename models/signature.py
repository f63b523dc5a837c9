"""What a model expects of the code that serves it: the feature list and the text encoders.

A model is served only where its signature matches: the same features in the same order
(:data:`matcher.features.FEATURES`) and, when its training run names them, the same text
encoders (otherwise its text features would mean something else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matcher.features import FEATURES
from models.errors import ModelLoadError

#: The run parameters naming the encoders a model's text features came from.
TEXT_ENCODER = "text_encoder"
ENCODER_PARAMS = (TEXT_ENCODER, "char_encoder")
#: The run parameter holding the SHA-256 of the sentence encoder files logged with the model.
ENCODER_FINGERPRINT = "text_encoder_sha256"


def check_features(names: Sequence[str]) -> None:
    """Refuse a model trained on other features than this code computes."""
    if list(names) != list(FEATURES):
        raise ModelLoadError(f"model was trained on features {list(names)}, "
                             f"serving computes {list(FEATURES)}")


def check_encoders(run_params: Mapping[str, str], serving: Mapping[str, str]) -> None:
    """Refuse a model whose training run names other text encoders than serving uses (runs
    that do not log them are not checked)."""
    for name, used in serving.items():
        trained = run_params.get(name)
        if trained is not None and trained != used:
            raise ModelLoadError(f"model was trained with {name} {trained!r}, serving uses {used!r}")
