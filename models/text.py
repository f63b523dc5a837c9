"""The pair of text encoders a model's text features come from.

Training and serving must encode with the same pair, otherwise a model's text features mean
something else when it is served; the pair's names travel with every run
(:mod:`models.signature`) and a champion trained with others is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models.encoding import CachedEncoder
from models.onnx_encoder import OnnxEncoder
from models.signature import ENCODER_FINGERPRINT


@dataclass(frozen=True)
class TextEncoders:
    """The sentence encoder (None: no embeddings) and the character n-gram encoder."""

    text: Any = None
    char: Any = None

    def names(self) -> dict[str, str]:
        """As training logs them with each run (``text_encoder``, ``char_encoder``)."""
        return {"text_encoder": getattr(self.text, "name", "none"),
                "char_encoder": getattr(self.char, "name", "none")}

    def files(self) -> OnnxEncoder | None:
        """The sentence encoder when it runs from exported files (what a model ships with)."""
        inner = self.text.inner if isinstance(self.text, CachedEncoder) else self.text
        return inner if isinstance(inner, OnnxEncoder) else None

    def params(self) -> dict[str, str]:
        """The run parameters: the names, and the sentence encoder files' SHA-256."""
        exported = self.files()
        return self.names() | ({} if exported is None else {ENCODER_FINGERPRINT: exported.fingerprint})

    def forget(self, texts: Sequence[str]) -> int:
        """Delete the cached sentence vectors of ``texts`` (an erased participant's profile);
        an encoder without a cache keeps none. Returns how many vectors went."""
        return self.text.forget(list(texts)) if isinstance(self.text, CachedEncoder) else 0
