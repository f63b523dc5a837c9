"""The query stage: a participant resolved into what the other stages read."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np

from matcher.columns import ParticipantRow
from matcher.domain import Participant
from matcher.features import ParticipantQuery, participant_query
from matcher.recommend.occupations import Occupations
from models.encoding import CachedEncoder, participant_text
from models.text import TextEncoders

log = logging.getLogger(__name__)

#: Query texts whose character vectors are remembered (a coach reopens the same profiles).
CHAR_MEMO = 10_000


class Query:
    """Participant → :class:`~matcher.features.ParticipantQuery` (occupations as positions,
    the profile's text vectors).

    Holds a memo of character n-gram vectors by text, shared by every recommender built over
    it; the memo is the only state, and :meth:`forget` erases a profile's words from it.
    """

    def __init__(self, occupations: Occupations, encoders: TextEncoders) -> None:
        self.occupations = occupations
        self.encoders = encoders
        self._char_memo: dict[str, np.ndarray] = {}

    def text(self, participant: Participant) -> str:
        """What the profile says (trades, wishes, free text), for text similarity."""
        label = self.occupations.label_of
        trades = [label(t.occupation_id) or "" for t in participant.prior_trades]
        trades += [t.title for t in participant.prior_trades if t.title]
        desired = [label(o) or "" for o in participant.desired_occupations]
        return participant_text([t for t in trades if t], [d for d in desired if d],
                                participant.free_text)

    def _char_vector(self, text: str) -> np.ndarray:
        vector = self._char_memo.get(text)
        if vector is None:
            vector = self.encoders.char.encode([text])[0]
            if len(self._char_memo) >= CHAR_MEMO:
                self._char_memo.clear()
            self._char_memo[text] = vector
        return vector

    def __call__(self, participant: Participant) -> ParticipantQuery:
        row = ParticipantRow.from_record(participant)
        text = self.text(participant)
        vector = self.encoders.text.encode([text])[0] if self.encoders.text is not None and text else None
        char = self._char_vector(text) if self.encoders.char is not None and text else None
        return participant_query(row, self.occupations.arrays, vector=vector, char=char)

    def forget(self, texts: Sequence[str]) -> None:
        """Drop remembered vectors of ``texts`` (an erased or rewritten profile's words)."""
        for text in texts:
            self._char_memo.pop(text, None)

    def forget_all(self) -> None:
        """Drop every remembered vector (someone was erased and their words are not known)."""
        self._char_memo.clear()

    def warm(self, participants: Iterable[Participant]) -> int:
        """Embed every profile text in one batch; returns how many texts there were.

        The sentence model is many times faster on a batch than on thousands of single
        texts, and its cache then answers each query. Without a caching encoder there is
        nothing to warm.
        """
        if not isinstance(self.encoders.text, CachedEncoder):
            return 0
        texts = sorted({text for text in map(self.text, participants) if text})
        self.encoders.text.encode(texts)
        log.info("embedded %d participant profiles in one batch", len(texts))
        return len(texts)
