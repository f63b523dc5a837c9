"""Canonical forms of Swedish job titles, so inflected, gendered and sloppy titles meet.

Coaches type what participants say: "undersköterskor", "städerska", "snickaren",
"lastbilschaufför". The taxonomy says "Undersköterska, hemtjänst", "Städare", "Snickare",
"Lastbilsförare". Both sides go through :func:`title_tokens`, which folds case and accents,
rewrites gendered and synonymous word endings to one form and strips Swedish plural and
definite endings, so equal titles get equal tokens. What this cannot fix (misspellings,
compounds) is left to the character n-grams of :mod:`matcher.taxonomy.search`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_KEEP_MARKS = frozenset("åäöÅÄÖ")
"""Letters whose diacritics change the Swedish word (sköta ≠ skota); all others are folded."""

_NORDIC = str.maketrans({"æ": "ä", "ø": "ö", "Æ": "Ä", "Ø": "Ö", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-zåäö]+")
_JOINING_HYPHEN = re.compile(r"(?<=[0-9a-zåäö])-(?=[0-9a-zåäö])")
_ABBREVIATION_ENDING = re.compile(r"(?<=[0-9a-zåäö])[-:](n|en|et|ar|er|or|na|arna|erna|s)\b")
"""Inflection added to an abbreviation with a hyphen or colon ("dj-n", "vd:ar")."""

_GENDERED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # städerska, tvätterskor → städare, tvättare (the -are agent noun); not "sköterska"
        # (a nurse), which is another occupation than "skötare" (an attendant)
        (r"(?<!köt)ersk(a|an|or|orna)$", "are"),
        # frisörska, kassörskan → frisör, kassör
        (r"örsk(a|an|or|orna)$", "ör"),
        # lärarinna, värdinnor → lärare, värde (stemmed to lärar-/värd- below)
        (r"inn(a|an|or|orna)$", "e"),
        # massös → massör, servitris/inspektris → servitör/inspektör
        (r"ös(en|er|erna)?$", "ör"),
        (r"tris(en|er|erna)?$", "tör"),
        # sjöman/sjömän/sjömannen, yrkeskvinna → one "man" form
        (r"(män|mannen|männen|kvinna|kvinnan|kvinnor|kvinnorna)$", "man"),
    )
)
"""Gendered and irregular endings, rewritten before stemming so every form meets."""

_SYNONYM_STEMS: tuple[tuple[str, str], ...] = (
    # "lastbilschaufför" is said as often as the taxonomy's "lastbilsförare" (stem "för")
    ("chauffeur", "för"),
    ("chaufför", "för"),
)
"""Stem endings that are everyday synonyms of the taxonomy's wording (after stemming)."""

_SUFFIXES: tuple[str, ...] = (
    "arna", "erna", "orna", "aren", "arne",
    "are", "ern",
    "an", "ar", "en", "er", "et", "or",
    "a", "e", "n",
)
"""Plural/definite endings of Swedish nouns, longest first (after the Snowball stemmer)."""

_MIN_STEM = 3


@lru_cache(maxsize=65536)  # a search folds each title several times (note, n-grams, spelling)
def fold(text: str) -> str:
    """Lowercase, fold accents except å/ä/ö, and turn punctuation into single spaces.

    Folding é→e is safe (ateljé, kafé), but å/ä/ö are letters of their own in Swedish.
    Hyphens inside a word are dropped: "el-ingenjör" is the compound "elingenjör"; an
    inflection hung on an abbreviation goes ("dj-n", "vd:ar").
    """
    text = unicodedata.normalize("NFC", text).translate(_NORDIC)
    if not text.isascii():
        text = "".join(c if c.isascii() else _fold_char(c) for c in text)
    joined = _JOINING_HYPHEN.sub("", _ABBREVIATION_ENDING.sub("", text.lower()))
    return _NON_WORD.sub(" ", joined).strip()


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One non-ASCII character without its diacritics (å, ä, ö kept)."""
    if char in _KEEP_MARKS:
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """Strip one plural/definite ending, keeping at least three letters of stem."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65536)
def canonical_word(word: str) -> str:
    """One folded word in canonical form: gender unified, stemmed, synonyms unified."""
    for pattern, replacement in _GENDERED:
        rewritten = pattern.sub(replacement, word)
        if rewritten != word:
            word = rewritten
            break
    word = stem(word)
    for ending, replacement in _SYNONYM_STEMS:
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    return word


def title_tokens(text: str) -> list[str]:
    """Canonical tokens of a job title; equal for its inflected and gendered forms."""
    return [canonical_word(word) for word in fold(text).split()]


def canonical_title(text: str) -> str:
    """The canonical tokens joined by spaces: the text the n-gram index sees."""
    return " ".join(title_tokens(text))
