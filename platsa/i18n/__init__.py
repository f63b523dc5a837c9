"""Wording in Swedish and English: one gettext catalogue per language, read through Babel.

Everything a person reads goes through here: the web pages' strings (``t("nav.participants")``),
the core's message codes (:mod:`matcher.messages`: reasons, constraint verdicts, broken rules)
and the labels of the domain's vocabularies. The API, the pages and the CLI all take a
:class:`Renderer` for the language asked for.

The catalogues are ``locales/<lang>/LC_MESSAGES/platsa.po`` beside this file, keyed by
symbolic message ids (``check.commute.within``), read and compiled in memory once per process:
the ``.po`` files are the one source, so there is no compiled file to forget to rebuild. A
message with a plural form names its count parameter as its ``msgid_plural``. Numbers, shares
and dates are formatted for the language by Babel (``6,5`` and ``80 %`` in Swedish), lists are
joined as the language joins them ("a, b och c"). How to add a message: docs/i18n.md.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import Any, Literal, get_args

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from matcher.messages import CODES, VOCABULARIES, Kind, Many, Message, Place, Share

Lang = Literal["sv", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "sv"
#: The locale each language formats numbers, dates and lists in.
LOCALES: dict[Lang, str] = {"sv": "sv_SE", "en": "en_GB"}
DOMAIN = "platsa"


class MissingMessageError(KeyError):
    """A message id no catalogue of the language words (a bug to fix, never shown as is)."""

    def __str__(self) -> str:
        return str(self.args[0])


def parse_lang(value: str | None) -> Lang:
    """A supported language from a value such as ``en``, ``en-GB`` or ``sv_SE.UTF-8``;
    Swedish for anything else."""
    code = re.split(r"[-_.@]", (value or "").strip().lower(), maxsplit=1)[0]
    return "en" if code == "en" else DEFAULT_LANG


def negotiate(accept_language: str | None) -> Lang | None:
    """The supported language an ``Accept-Language`` header prefers most; None for none."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = re.search(r"q=([0-9.]+)", params)
        quality = float(weight.group(1)) if weight else 1.0
        ranked.append((-quality, position, tag.strip()))
    for quality, _, tag in sorted(ranked):
        code = re.split(r"[-_]", tag.lower(), maxsplit=1)[0]
        if quality < 0 and code in LANGUAGES:
            return code  # type: ignore[return-value]
    return None


def catalogue_path(lang: Lang) -> Any:
    """Where the ``.po`` file of ``lang`` is (inside the installed package)."""
    return files(__name__) / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: Lang) -> Catalog:
    """The ``.po`` catalogue of ``lang``, as Babel reads it."""
    with catalogue_path(lang).open("rb") as source:
        return read_po(source, locale=LOCALES[lang], domain=DOMAIN)


@dataclass(frozen=True)
class _Compiled:
    translations: Translations
    known: frozenset[str]  # ids with a translation (an empty or fuzzy one is missing)
    plural_of: Mapping[str, str]  # id → the parameter that counts


@cache
def _compiled(lang: Lang) -> _Compiled:
    source = catalogue(lang)
    binary = BytesIO()
    write_mo(binary, source)
    binary.seek(0)
    known: set[str] = set()
    plural_of: dict[str, str] = {}
    for entry in source:
        if not entry.id or entry.fuzzy:
            continue
        ids = [str(i) for i in entry.id] if isinstance(entry.id, tuple) else [str(entry.id)]
        texts = list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
        if all(texts):
            known.add(ids[0])
        if len(ids) > 1:
            plural_of[ids[0]] = ids[1]
    return _Compiled(Translations(binary, domain=DOMAIN), frozenset(known), plural_of)


def _count(value: object) -> int:
    """The count gettext picks a plural form by: a fraction (1,5 år) takes the plural,
    which is "other" in both Swedish and English."""
    number = float(value)  # type: ignore[arg-type]
    return int(number) if number.is_integer() else 2


class _Formatter(string.Formatter):
    """``str.format`` with the renderer's wording of each value (see :meth:`Renderer.value`)."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def format_field(self, value: Any, format_spec: str) -> str:
        return self.renderer.value(value, format_spec)


@dataclass(frozen=True)
class Renderer:
    """The wording of one language: ``t(key, **values)``, message codes, labels, numbers.

    ``places`` names municipalities by code: the names are the store's data, not words of a
    catalogue, so a layer that reads the store hands them over (:meth:`naming`).
    """

    lang: Lang
    places: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    _formatter: _Formatter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_formatter", _Formatter(self))

    @property
    def locale(self) -> Locale:
        return Locale.parse(LOCALES[self.lang])

    def knows(self, key: str) -> bool:
        return key in _compiled(self.lang).known

    def __call__(self, key: str, /, **values: Any) -> str:
        """The wording of ``key`` with ``values`` filled in (numbers, members and lists
        worded for the language); :class:`MissingMessageError` when the catalogue lacks it."""
        compiled = _compiled(self.lang)
        if key not in compiled.known:
            raise MissingMessageError(f"no {self.lang!r} wording for {key!r}")
        counted = compiled.plural_of.get(key)
        if counted is None:
            text = compiled.translations.gettext(key)
        else:
            text = compiled.translations.ngettext(key, counted, _count(values[counted]))
        return self._formatter.vformat(text, (), values) if values else text

    def message(self, said: Message | Mapping[str, Any]) -> str:
        """A message (or its JSON form ``{"code", "params"}``) worded. A core code's parameters
        are read as the kinds :data:`~matcher.messages.CODES` declares; another id's (a form
        error's) as they are."""
        code, params = ((said.code, said.params) if isinstance(said, Message)
                        else (said["code"], said["params"]))
        kinds = CODES.get(code, {})
        return self(code, **{name: _typed(kinds[name], value) if name in kinds else value
                             for name, value in params.items()})

    def messages(self, said: Sequence[Message | Mapping[str, Any]]) -> list[str]:
        return [self.message(m) for m in said]

    def naming(self, places: Mapping[str, str]) -> Renderer:
        """This language, wording a municipality code (:class:`~matcher.messages.Place`) by
        its name in ``places`` (code → name)."""
        return replace(self, places=dict(places))

    def place(self, code: str) -> str:
        """A municipality by name; one the names lack as "kommun 1280" ("municipality 1280")."""
        return self.places.get(code) or self("place.unknown", code=str(code))

    def language(self, code: str) -> str:
        """A language by its name in this language (ISO 639 ``ar`` → "arabiska"), from
        Babel's locale data; a code it does not know as it is."""
        return self.locale.languages.get(code.strip().lower(), code)

    def label(self, member: Enum) -> str:
        """A vocabulary member's label (``acc.mentor`` → "handledare")."""
        return self(f"{VOCABULARIES[type(member)]}.{member.value}")

    def number(self, value: float, digits: int | None = None) -> str:
        """A number as the language writes it; ``digits`` fixes the decimals."""
        pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
        return format_decimal(value, format=pattern, locale=self.locale)

    def value(self, value: Any, spec: str = "") -> str:
        """One placeholder's text: a member by its label, a municipality by its name, a list
        joined ("a, b och c"; spec ``or``: "a, b eller c"), a share as a percent, a number or
        date as the language writes it. A spec ``percent`` words any number as a percent."""
        if isinstance(value, Enum):
            return self.label(value)
        if isinstance(value, Place):
            return self.place(value)
        if isinstance(value, list | tuple):
            return format_list([self.value(v) for v in value],
                               style="or" if spec == "or" else "standard", locale=self.locale)
        if isinstance(value, Share) or (spec == "percent" and isinstance(value, int | float)):
            return format_percent(value, locale=self.locale)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format_decimal(value, locale=self.locale)
        if isinstance(value, dt.date):
            return format_date(value, format="long", locale=self.locale)
        return format(value, spec)


def _typed(kind: Kind, value: Any) -> Any:
    """A JSON parameter value as the kind it is declared with (members, shares, dates)."""
    if isinstance(kind, Many):
        return [_typed(kind.of, v) for v in value]
    if isinstance(kind, type) and issubclass(kind, Enum | Share | Place):
        return kind(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    return value


@cache
def renderer(lang: Lang) -> Renderer:
    """The renderer of ``lang`` (one per process and language)."""
    return Renderer(lang)


def other(lang: Lang) -> Lang:
    """The language a toggle switches to."""
    return "en" if lang == "sv" else "sv"


# --------------------------------------------------------------------------- answers worded


def worded_explanation(explanation: Mapping[str, Any], say: Renderer) -> dict[str, Any]:
    """An explanation's codes (``reason_codes``, ``missing_codes``) with their wording beside
    them (``reasons``, ``missing``)."""
    return {**explanation, "reasons": say.messages(explanation["reason_codes"]),
            "missing": say.messages(explanation["missing_codes"])}


def worded_suggestions(answer: Mapping[str, Any], say: Renderer) -> dict[str, Any]:
    """A suggestion list (``SuggestionList.to_dict()``) with every item's reasons worded."""
    return {**answer, "items": [worded_explanation(item, say) for item in answer["items"]]}


def worded_why_not(answer: Mapping[str, Any], say: Renderer) -> dict[str, Any]:
    """A why-not answer (``WhyNot.to_dict()``) worded: each verdict's ``reason`` in the
    renderer's language (and ``reason_en``, as the answer had before codes), the fit's lines."""
    english = renderer("en")
    constraints = [{**c, "reason": say.message(c), "reason_en": english.message(c)}
                   for c in answer["constraints"]]
    explanation = answer.get("explanation")
    return {**answer, "constraints": constraints,
            "explanation": None if explanation is None else worded_explanation(explanation, say)}


def worded_near_misses(answer: Mapping[str, Any], say: Renderer) -> dict[str, Any]:
    """A near-miss list (``NearMissList.to_dict()``) worded: each item's reasons, the failed
    verdict (``reason``), what it lacks (``gap``) and what to do (``step``)."""
    return {**answer, "items": [
        {**worded_explanation(item, say), "reason": say.message(item["verdict"]),
         "gap": say.message(item["gap_code"]), "step": say.message(item["step_code"])}
        for item in answer["items"]]}
