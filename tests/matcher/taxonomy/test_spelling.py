"""Spelling correction of title words, part by part of a Swedish compound."""

from __future__ import annotations

from matcher.taxonomy.normalise import canonical_title, canonical_word
from matcher.taxonomy.spelling import SpellingIndex

NAMES = ["Lastbilsförare", "Bussförare", "Restaurangbiträde", "Ekonomiassistent", "Läkare",
         "Lärare", "Snickare", "Elingenjör"]
INDEX = SpellingIndex(NAMES)


def test_a_misspelled_modifier_is_corrected_against_the_known_head() -> None:
    assert INDEX.word_corrections("lasbilsförare") == {"lastbilsför": 1}


def test_transposed_and_dropped_letters_are_one_edit() -> None:
    assert INDEX.word_corrections("restaurangbirtäde") == {"restaurangbiträd": 1}
    assert INDEX.word_corrections("elingengör") == {"elingenjör": 1}


def test_an_inflected_misspelling_is_found_through_its_stem() -> None:
    assert "ekonomiassistent" in INDEX.word_corrections("eknomiassistenter")


def test_an_ambiguous_slip_keeps_every_nearest_word() -> None:
    fixes = INDEX.word_corrections("läare")
    assert {"läk", "lär"} <= set(fixes) and set(fixes.values()) == {1}


def test_known_words_short_words_and_numbers_are_left_alone() -> None:
    assert INDEX.word_corrections("snickarna") == {}  # an inflection, not a slip
    assert INDEX.word_corrections("kock") == {}
    assert INDEX.word_corrections("12345") == {}
    assert SpellingIndex(NAMES, ["tågförare"]).word_corrections("tågförare") == {}


def test_variants_of_a_title_are_canonical_readings_fewest_edits_first() -> None:
    variants = INDEX.variants("lasbilsförare buss")
    assert [(v.text, v.edits) for v in variants] == [("lastbilsför buss", 1)]
    assert INDEX.variants("bussförare") == []


LINKING = SpellingIndex(
    ["Vårdbiträde", "Sjukvårdsbiträde", "Chefsbarnmorska", "Barnmorska", "Lastbilsförare"],
    group_names=["Undersköterskor, vårdsbiträden m.fl."],
)


def test_a_word_known_only_from_a_group_name_is_also_read_without_its_linking_s() -> None:
    assert LINKING.is_known("vårdsbiträde")  # the ISCO group spells it so
    assert LINKING.word_corrections("vårdsbiträde") == {"vårdbiträd": 1}
    assert LINKING.word_corrections("vårdsbiträden") == {"vårdbiträd": 1}


def test_a_linking_s_added_or_moved_is_one_edit() -> None:
    assert LINKING.word_corrections("lastbilförare") == {"lastbilsför": 1}
    assert LINKING.word_corrections("chefbarnsmorska")["chefsbarnmorsk"] == 1


def test_an_own_name_word_is_not_read_with_another_linking_s() -> None:
    assert LINKING.word_corrections("sjukvårdsbiträde") == {}
    assert LINKING.word_corrections("vårdbiträde") == {}
    assert LINKING.variants("barnmorska") == []


MARKS = SpellingIndex(
    ["Målare", "Försäkringshandläggare", "Forskningshandläggare", "Lärling, väg- och anläggningsarbetare",
     "Jaktvårdskonsulent"],
    ["jaktvardskonsulent"],  # the vocabulary lists it so
)


def test_a_word_typed_without_a_a_o_is_read_as_the_name_it_spells() -> None:
    assert MARKS.word_corrections("malare") == {"mål": 0}
    assert MARKS.word_corrections("forsakringshandlaggare") == {
        canonical_word("försäkringshandläggare"): 0
    }
    assert MARKS.word_corrections("jaktvardskonsulent") == {"jaktvårdskonsulent": 0}


def test_marks_put_back_in_every_word_count_one_edit_for_the_title() -> None:
    first = MARKS.variants("larling, vag- och anlaggningsarbetare")[0]
    assert (first.text, first.edits) == (canonical_title("Lärling, väg- och anläggningsarbetare"), 1)


def test_a_word_typed_with_some_marks_is_corrected_as_a_slip_not_restored() -> None:
    assert MARKS.word_corrections("försakringshandläggare") == {
        canonical_word("försäkringshandläggare"): 1
    }
