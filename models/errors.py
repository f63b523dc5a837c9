"""What the learned models raise: one error per thing that can be wrong with a model."""

from __future__ import annotations


class InsufficientHistoryError(ValueError):
    """Too few labelled placements or employer answers to fit a model or to split by time."""


class ModelLoadError(ValueError):
    """A saved or registered model that cannot be served: a file missing or corrupt, other
    features or encoders than this code computes, or a registry that cannot be read."""
