"""The sv/en catalogues: every code and every vocabulary value worded in both languages,
placeholders that match, no English in Swedish, and Babel's plurals and numbers."""

from __future__ import annotations

import datetime as dt
import re
import string
from enum import Enum
from typing import Any

import pytest

from matcher.domain import Accommodation, LanguageLevel, WorkSchedule
from matcher.messages import (
    CODES,
    VOCABULARIES,
    Kind,
    Many,
    Message,
    Place,
    Share,
    UnknownCodeError,
    message,
)
from platsa.i18n import (
    LANGUAGES,
    MissingMessageError,
    catalogue,
    negotiate,
    parse_lang,
    renderer,
)

SV, EN = renderer("sv"), renderer("en")

#: Words that give English away in a Swedish text (none of them is Swedish as well).
ENGLISH = ("the", "and", "of", "with", "or", "to", "yes", "not", "is", "are", "shifts", "shift",
           "mornings", "afternoons", "evenings", "nights", "daytime", "flexible", "score", "model",
           "lightgbm", "rule", "steps", "requirement", "hours", "minutes", "employer", "opening",
           "participant", "travel", "work", "job", "match", "skills", "needs", "met", "missing",
           "h/week", "placement", "none", "other")


def _ids(lang: str) -> dict[str, Any]:
    """msgid → msgstr (a tuple of forms for a plural entry), header left out."""
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalogue(lang) if m.id}


def _forms(entry: Any) -> list[str]:
    return list(entry.string) if isinstance(entry.string, tuple) else [entry.string]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _example(kind: Kind) -> Any:
    """A JSON value of ``kind`` to render a code with."""
    if isinstance(kind, Many):
        return [_example(kind.of), _example(kind.of)] if not issubclass(kind.of, Enum) else [
            member.value for member in list(kind.of)[:2]]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return next(iter(kind)).value
    return {str: "Snickare", int: 3, float: 2.5, Share: 0.8, dt.date: "2026-02-01", Place: "1280"}[kind]


def _examples(code: str) -> Message:
    return Message(code, {name: _example(kind) for name, kind in CODES[code].items()})


def _english_words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z/]+", text.lower()))
    return words & set(ENGLISH)


def test_both_catalogues_hold_the_same_ids_each_translated() -> None:
    sv, en = _ids("sv"), _ids("en")
    assert set(sv) == set(en)
    for lang, entries in (("sv", sv), ("en", en)):
        untranslated = [key for key, entry in entries.items()
                        if entry.fuzzy or not all(form.strip() for form in _forms(entry))]
        assert untranslated == [], f"{lang}: untranslated or fuzzy {untranslated}"


def test_placeholders_match_between_the_languages_and_plurals_name_their_count() -> None:
    sv, en = _ids("sv"), _ids("en")
    for key in sv:
        per_form = [_placeholders(form) for entry in (sv[key], en[key]) for form in _forms(entry)]
        assert all(p == per_form[0] for p in per_form), f"{key}: placeholders differ {per_form}"
        plural = [entry.id[1] for entry in (sv[key], en[key]) if isinstance(entry.id, tuple)]
        if plural:
            assert len(plural) == 2 and plural[0] == plural[1], f"{key}: plural in one language only"
            assert plural[0] in per_form[0], f"{key}: counts {plural[0]!r}, not a placeholder"


def test_every_code_is_worded_with_exactly_its_parameters() -> None:
    sv = _ids("sv")
    for code, params in CODES.items():
        assert code in sv, f"{code} has no wording"
        assert _placeholders(_forms(sv[code])[0]) == set(params), code


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_code_renders_in_both_languages(lang: str) -> None:
    say = renderer(lang)
    for code in CODES:
        text = say.message(_examples(code))
        assert text and "{" not in text and "}" not in text, (code, text)


def test_every_vocabulary_value_has_a_label_in_both_languages() -> None:
    for vocabulary in VOCABULARIES:
        for member in vocabulary:
            for say in (SV, EN):
                assert say.label(member).strip(), (vocabulary.__name__, member)


def test_swedish_text_has_no_english_words() -> None:
    """Raw catalogue strings (placeholders out) and every code rendered with its examples."""
    for key, entry in _ids("sv").items():
        for form in _forms(entry):
            found = _english_words(re.sub(r"\{[^}]*\}", "", form))
            assert not found, f"{key}: {form!r} has English {found}"
    for code in CODES:
        found = _english_words(SV.message(_examples(code)))
        assert not found, f"{code}: English {found}"


def test_the_tell_tale_check_can_fail() -> None:
    assert _english_words("Arbetstider (shifts) krockar med sfi (mornings)") == {"shifts", "mornings"}
    assert _english_words("Rangordnade av lightgbm, poäng -0.5532") == {"lightgbm"}


def test_a_missing_id_is_an_error_naming_it() -> None:
    with pytest.raises(MissingMessageError, match="no 'en' wording for 'nope.key'"):
        EN("nope.key")


def test_a_code_must_be_declared_with_its_parameters() -> None:
    with pytest.raises(UnknownCodeError, match="not declared"):
        message("check.nope")
    with pytest.raises(UnknownCodeError, match=r"takes \['minutes'\]"):
        message("check.commute.within", hours=3)


def test_codes_carry_plain_json_and_render_from_it() -> None:
    said = message("check.schedule.fits", schedule=WorkSchedule.SHIFTS)
    assert said.to_dict() == {"code": "check.schedule.fits", "params": {"schedule": "shifts"}}
    assert SV.message(said.to_dict()) == "Arbetstiderna (skiftarbete) passar"
    assert EN.message(said.to_dict()) == "The working hours (shift work) fit"


def test_swedish_numbers_shares_lists_and_plurals() -> None:
    assert SV.number(6.5) == "6,5" and EN.number(6.5) == "6.5"
    assert SV.number(0.80401, 4) == "0,8040"
    assert SV.value(Share(0.8)) == "80\xa0%" and EN.value(Share(0.8)) == "80%"
    assert SV.value([Accommodation.MENTOR, Accommodation.HEARING_LOOP]) == "handledare och hörslinga"
    assert EN.value(["a", "b", "c"], "or") == "a, b or c"
    assert SV.message(message("check.open.places_left", places=1)) == "Öppen, 1 plats kvar"
    assert SV.message(message("check.open.places_left", places=3)) == "Öppen, 3 platser kvar"
    assert EN("form.has_errors", n=1).startswith("The form has 1 error.")
    assert EN("form.has_errors", n=2).startswith("The form has 2 errors.")
    assert EN.message(message("fit.experience", years=1)) == "About 1 year of experience in similar work"
    assert SV.label(LanguageLevel.NONE) == "ingen svenska" and EN.label(LanguageLevel.NONE) == "no Swedish"


def test_languages_from_a_query_a_header_or_the_environment() -> None:
    assert parse_lang("en") == "en" and parse_lang("en_US.UTF-8") == "en"
    assert parse_lang("sv_SE.UTF-8") == "sv" and parse_lang("C.UTF-8") == "sv" and parse_lang(None) == "sv"
    assert negotiate("de-DE,en;q=0.8,sv;q=0.9") == "sv"
    assert negotiate("en-GB,en;q=0.9") == "en"
    assert negotiate("de-DE") is None and negotiate(None) is None
