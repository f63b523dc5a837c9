"""The served model: reload the registry's champion and swap it in without failing a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from models.loader import ServedModel
from models.text import TextEncoders
from platsa import assembly
from platsa.services.audit import Action
from platsa.services.context import Context
from platsa.settings import Settings


class Serving(Protocol):
    """What a reload swaps the model of (:class:`serving.matching.MatchingService`)."""

    @property
    def model(self) -> ServedModel: ...

    @property
    def encoders(self) -> TextEncoders: ...

    def swap_model(self, model: ServedModel) -> None: ...


@dataclass(frozen=True)
class Reload:
    model: ServedModel
    previous: ServedModel

    @property
    def changed(self) -> bool:
        return self.model.version != self.previous.version


def reload(ctx: Context, serving: Serving, settings: Settings) -> Reload:
    """Load the champion and, when it is another version, swap it in; audited.

    A champion that fails to load raises :class:`~models.errors.ModelLoadError` and the
    current model keeps serving.
    """
    previous = serving.model
    model = assembly.served_model(settings, serving.encoders)
    answer = Reload(model, previous)
    if answer.changed:
        serving.swap_model(model)
    ctx.log(Action.MODEL_RELOAD, "model", model.version, model_version=model.version,
            shown=[{"previous": previous.version}])
    return answer
