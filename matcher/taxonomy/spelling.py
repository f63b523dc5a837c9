"""Spelling correction for job titles, part by part of a Swedish compound.

Swedish titles are compounds ("lastbilsförare", "restaurangbiträde"), and a misspelled one
is a correct head with a mangled modifier ("lasbilsförare") or the other way round. Character
n-grams then favour whatever shares the common part ("förare" → "Bussförare"). So a query word
the taxonomy does not know is corrected SymSpell-style: every known word and every compound
part seen in the taxonomy's names is indexed by itself and its one-letter deletions; a query
word (or each side of each place it could be split) is looked up by its own deletions, and
the candidates are checked with rapidfuzz's optimal-string-alignment distance (so "birtäde"
is one edit from "biträde").

Words are matched in two spaces: as spelled (folded: "redovisningsassisten" is one edit from
"redovisningsassistent") and in canonical form (stemmed, so an inflected misspelling such as
"eknomiassistenter" is one edit from "ekonomiassistent"). Corrections come out canonical, as
:func:`matcher.taxonomy.normalise.canonical_title` would give them.

Swedish compounds vary in their linking s ("vårdsbiträde" beside "vårdbiträde"; a slip moves
it: "chefbarnsmorska" for "chefsbarnmorska"). So a word is also read with one s added, dropped
or moved inside it, at one edit, when that form is a word of an occupation's own name and the
word itself is not: even a word the taxonomy knows from a group name or the vocabulary.
Likewise a word typed without å, ä and ö (a keyboard without them: "malare", "forsakring")
is read as the own name's word it spells that way: one edit for the whole title, however
many marks it lacks in however many words. The vocabulary lists many such forms
("jaktvardskonsulent"), so this too overrides it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from matcher.taxonomy.normalise import canonical_word, fold

MIN_PART = 3
"""Shortest compound part (Swedish heads such as "kock", "chef" are four; "för" is three)."""
_SHORTEST_CORRECTED = 5
"""Words shorter than this are not corrected: one edit turns them into other words."""
_LONG_WORD = 8
"""Words at least this long may take two edits (one per compound part at most)."""
_MAX_PER_WORD = 3
_MAX_VARIANTS = 4
_UNMARKED = str.maketrans("åäö", "aao")


@dataclass(frozen=True)
class Variant:
    """A corrected reading of a query: its canonical text and how many edits it took."""

    text: str
    edits: int


class _Lexicon:
    """Known words of one space (surface or canonical), their compound parts and a
    one-deletion index over both, for SymSpell-style look-ups."""

    def __init__(self, words: Iterable[str], known: Iterable[str]) -> None:
        self.words = {w for w in words if len(w) >= MIN_PART}
        self.known = self.words | set(known)
        self.heads, self.modifiers = _compound_parts(self.words, self.known)
        self._deletes: dict[str, set[str]] = {}
        for target in self.words | self.heads | self.modifiers:
            for key in _deletions(target):
                self._deletes.setdefault(key, set()).add(target)

    def nearest(self, text: str, max_edits: int, pool: set[str] | None = None) -> dict[str, int]:
        """Indexed words within ``max_edits`` (at most 2) of ``text``, with their distance."""
        found: dict[str, int] = {}
        if max_edits < 1 or len(text) < MIN_PART:
            return found
        for key in _deletions(text):
            for target in self._deletes.get(key, ()):
                if target in found or (pool is not None and target not in pool):
                    continue
                distance = OSA.distance(text, target, score_cutoff=max_edits)
                if 0 < distance <= max_edits:
                    found[target] = distance
        return found

    def corrections(self, word: str) -> dict[str, int]:
        """Corrected forms of one unknown word: whole, or as modifier + head where one part
        is spelled right and the other is one edit off ("lasbils" + "förare")."""
        found = self.nearest(word, _budget(word))
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            left, right = word[:cut], word[cut:]
            if right in self.heads:
                fixes = {fixed + right: 1 for fixed in self._part(left, self.modifiers)}
            elif left in self.modifiers:
                fixes = {left + fixed: 1 for fixed in self._part(right, self.heads)}
            else:
                continue
            for joined, edits in fixes.items():
                found.setdefault(joined, edits)
        return found

    def _part(self, text: str, pool: set[str]) -> dict[str, int]:
        """A misspelled compound part corrected by one edit within ``pool``."""
        if len(text) < _SHORTEST_CORRECTED - 1 or text in pool:
            return {}
        return self.nearest(text, 1, pool)


class SpellingIndex:
    """Corrects the words of a title the taxonomy does not know, part by part."""

    def __init__(
        self, names: Iterable[str], known_words: Iterable[str] = (), group_names: Iterable[str] = ()
    ) -> None:
        """``names``: the occupations' own names and ``group_names`` the names of their groups
        (both targets of correction); ``known_words``: further correctly spelled words (e.g. a
        vocation list) that are never corrected, only read with another linking s or with
        their å, ä, ö put back."""
        own = [w for name in names for w in fold(name).split()]
        words = own + [w for name in group_names for w in fold(name).split()]
        surface = set(words)
        self._own = frozenset(canonical_word(w) for w in own if len(w) >= MIN_PART)
        # an own word typed without its marks, as written or in canonical form → the word
        self._marked: dict[str, set[str]] = {}
        for w in own:
            canonical = canonical_word(w)
            for form in {w, canonical}:
                unmarked = form.translate(_UNMARKED)
                if unmarked != form:
                    self._marked.setdefault(unmarked, set()).add(canonical)
        # how many names use a word: ties between equally near corrections go to the more
        # used one, as SymSpell ranks by frequency ("rekor": rektor before dekan)
        self._uses = Counter(canonical_word(w) for w in words)
        extra = {w for text in known_words for w in fold(text).split()}
        self._surface = _Lexicon(surface, extra)
        self._canonical = _Lexicon(
            {canonical_word(w) for w in surface}, {canonical_word(w) for w in extra}
        )
        # coaches and ads repeat words ("förare", "assistent"): look each up once
        self.word_corrections = lru_cache(maxsize=65536)(self._word_corrections)

    def is_known(self, word: str) -> bool:
        """A folded word the taxonomy (or the extra vocabulary) spells this way."""
        return word in self._surface.known or canonical_word(word) in self._canonical.known

    def _word_corrections(self, word: str) -> dict[str, int]:
        """Canonical corrections of one folded word with their edit counts, 0 for å/ä/ö put
        back (empty if the word is known and neither the marks nor another linking s make it
        an own name's word)."""
        own = canonical_word(word)
        if len(word) < MIN_PART or not word.isalpha() or own in self._own:
            return {}
        restored = self._with_marks(word, own)
        if restored or len(word) < _SHORTEST_CORRECTED:
            # an own name's word spelled without its marks is the reading; other slips are
            # guesses (and one edit turns a short word into other words)
            return dict.fromkeys(sorted(restored)[:_MAX_PER_WORD], 0)
        found = dict.fromkeys(self._linking_variants(own), 1)
        if not self.is_known(word):
            for fixed, edits in self._surface.corrections(word).items():
                found.setdefault(canonical_word(fixed), edits)
            for fixed, edits in self._canonical.corrections(own).items():
                found[fixed] = min(found.get(fixed, edits), edits)
        found.pop(own, None)  # a surface correction can stem back to the word itself
        best = sorted(found.items(), key=lambda item: (item[1], -self._uses[item[0]], item[0]))
        return dict(best[:_MAX_PER_WORD])

    def _with_marks(self, word: str, canonical: str) -> set[str]:
        """Own-name words (canonical) that ``word``, typed without å, ä and ö, spells: as
        written if it can, else in canonical form (so inflected forms count too)."""
        if word.translate(_UNMARKED) != word:
            return set()
        return self._marked.get(word) or self._marked.get(canonical, set())

    def _linking_variants(self, word: str) -> set[str]:
        """Own-name words that ``word`` (canonical, not one of them) becomes with one s added,
        dropped or moved between two parts of at least ``MIN_PART`` letters."""
        dropped = {word} | {word[:i] + word[i + 1 :] for i in _cuts(word) if word[i] == "s"}
        found = {d[:i] + "s" + d[i:] for d in dropped for i in _cuts(d, inclusive=True)} | dropped
        return (found & self._own) - {word}

    def variants(self, text: str) -> list[Variant]:
        """Corrected canonical readings of a title, fewest edits first (none if all known)."""
        words = fold(text).split()
        options: list[Sequence[tuple[str, int]]] = []
        for word in words:
            fixes = self.word_corrections(word)
            options.append([(canonical_word(word), 0), *fixes.items()])
        if all(len(o) == 1 for o in options):
            return []
        as_typed = [o[0][0] for o in options]
        readings = []
        for combination in itertools.product(*options):
            changed = sum(w != typed for (w, _), typed in zip(combination, as_typed, strict=True))
            edits = sum(d for _, d in combination)
            if changed and edits <= 2:  # marks put back count one edit in all
                text = " ".join(w for w, _ in combination)
                readings.append((max(edits, 1), -changed, text))
        # with marks put back at no cost, the reading that puts back most comes first
        return [Variant(text, edits) for edits, _, text in sorted(readings)[:_MAX_VARIANTS]]


def _budget(word: str) -> int:
    return 2 if len(word) >= _LONG_WORD else 1


def _cuts(word: str, inclusive: bool = False) -> range:
    """Where ``word`` splits into two parts of at least ``MIN_PART`` letters: positions of a
    letter between them (to drop it) or, ``inclusive``, of the gap itself (to insert one)."""
    return range(MIN_PART, len(word) - MIN_PART + (1 if inclusive else 0))


def _deletions(word: str) -> set[str]:
    """The word and every form of it with one letter deleted (SymSpell's index keys)."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _compound_parts(words: set[str], known: set[str]) -> tuple[set[str], set[str]]:
    """Heads and modifiers of the compounds among ``words``: a word splits where its end is
    a known word of at least ``MIN_PART`` letters ("lastbils" + "förare"); the modifier keeps
    its linking letter. Every word is also a head and a modifier of itself."""
    heads, modifiers = set(words), set(words)
    for word in words:
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            if word[cut:] in known:
                modifiers.add(word[:cut])
                heads.add(word[cut:])
    return heads, modifiers
