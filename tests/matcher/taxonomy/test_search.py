"""The title index on hand-made names, where the right order is known."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.taxonomy.search import FEATURES, NameGroup, SearchWeights, TitleIndex

OWN = [("Träarbetare/Snickare", "Snickare"), ("Scenograf",), ("Städare", "lokalvårdare")]


def best(index: TitleIndex, text: str) -> int:
    return int(np.argmax(index.scores([text])[0]))


def test_inflected_and_gendered_forms_find_their_name_with_most_of_the_probability() -> None:
    index = TitleIndex(OWN, groups=[])
    scores = index.scores(["snickarna", "städerskor", "Lokalvårdaren"])
    assert [int(np.argmax(row)) for row in scores] == [0, 2, 2]
    assert np.allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    assert scores[1, 2] > 0.9


def test_a_group_name_equal_to_the_query_fits_its_members_perfectly() -> None:
    groups = [
        NameGroup(("carpenter",), (0,)),
        NameGroup(("set builder",), (1,)),
        NameGroup(("carpenter",), (1,), alternative=True),  # ESCO alt label of "set builder"
    ]
    index = TitleIndex(OWN, groups)
    features = index.features(["Carpenter"])[0]
    own = features[:, FEATURES.index("own_char")]
    gain, alt = FEATURES.index("group_gain"), FEATURES.index("alt_gain")
    assert np.isclose(features[0, gain], 1 - own[0]) and features[0, alt] == 0
    assert np.isclose(features[1, alt], 1 - own[1]) and features[1, gain] < features[0, gain]
    assert features[2, gain] == features[2, alt] == 0
    preferring = TitleIndex(OWN, groups, SearchWeights(group_gain=8.0, alt_gain=2.0))
    assert best(preferring, "carpenter") == 0


def test_group_name_lifts_its_members() -> None:
    groups = [NameGroup(("Scenografer och kostymdesigners",), (1,))]
    with_group = TitleIndex(OWN, groups).features(["kostymdesigner"])[0, 1]
    assert with_group[FEATURES.index("group_gain")] > 0
    without = TitleIndex(OWN, []).scores(["kostymdesigner"])[0, 1]
    assert without < TitleIndex(OWN, groups).scores(["kostymdesigner"])[0, 1]


def test_an_own_name_outweighs_a_foreign_label_that_happens_to_match() -> None:
    own = [("Modell",), ("Lästmodellör",)]
    groups = [NameGroup(("modeller",), (1,), alternative=True)]  # English "modeller"
    assert best(TitleIndex(own, groups), "modeller") == 0  # Swedish plural of Modell


def test_an_esco_label_counts_most_for_the_member_whose_name_is_like_its_own() -> None:
    own = [("Moderator",), ("Discjockey",), ("Imitatör",)]
    anchored = NameGroup(("disc jockey", "DJ"), (0, 1, 2), anchor="disc jockey")
    assert best(TitleIndex(own, [anchored]), "DJ") == 1


def test_misspelled_modifier_of_a_compound_is_corrected_part_by_part() -> None:
    own = [("Lastbilsförare",), ("Bussförare",), ("Taxiförare",), ("Lastbilsmekaniker",)]
    index = TitleIndex(own, [])
    assert best(index, "lasbilsförare") == 0
    assert best(index, "busförare") == 1
    features = index.features(["lasbilsförare"])[0, 0]
    assert features[FEATURES.index("fixed_exact_1")] == 1.0


def test_a_title_with_a_linking_s_its_name_lacks_reads_as_that_name_after_one_edit() -> None:
    # "vårdsbiträde" is spelled so in an ISCO group name, and every n-gram of it is in
    # "Sjukvårdsbiträde"; the own name without the s is the reading that fits
    own = [("Vårdbiträde",), ("Sjukvårdsbiträde",), ("Tandvårdsbiträde",), ("Undersköterska",)]
    groups = [NameGroup(("Undersköterskor, vårdsbiträden m.fl.",), (3,))]
    index = TitleIndex(own, groups)
    assert best(index, "vårdsbiträde") == 0
    assert index.features(["vårdsbiträde"])[0, 0, FEATURES.index("fixed_exact_1")] == 1.0


def test_a_title_typed_without_a_a_o_finds_the_name_not_a_longer_one_sharing_its_letters() -> None:
    own = [("Målare",), ("Lagerarbetare",), ("Barnvakt",), ("Väktare",), ("Vägingenjör",),
           ("VA-ingenjör",), ("Försäkringshandläggare",), ("Forskningshandläggare",)]
    index = TitleIndex(own, [])
    queries = ("malare", "vaktare", "vagingenjor", "forsakringshandlaggare")
    assert [best(index, t) for t in queries] == [0, 3, 4, 6]


def test_the_prior_settles_an_ambiguous_misspelling_and_follows_its_data() -> None:
    own = [("Läkare",), ("Lärare",), ("Kock",)]  # a third, so the shares spread as in life
    common_doctor = TitleIndex(own, [], prior=np.array([0.6, 0.02, 0.38]))
    common_teacher = TitleIndex(own, [], prior=np.array([0.02, 0.6, 0.38]))
    assert best(common_doctor, "läare") == 0
    assert best(common_teacher, "läare") == 1
    assert best(common_teacher, "läkare") == 0  # an exact name still wins


def test_a_coach_note_is_searched_for_its_title() -> None:
    index = TitleIndex(OWN, [])
    note, title = index.scores(["har jobbat som snickare i 6 år", "snickare"])
    assert np.allclose(note, title)


def test_explanation_names_the_matched_name_the_correction_and_the_prior() -> None:
    own = [("Lastbilsförare",), ("Bussförare",)]
    index = TitleIndex(own, [], prior=np.array([0.25, 0.75]))
    why = index.explain("var lasbilsförare i Irak")
    assert why is not None
    assert (why.title, why.matched_name, why.corrected) == ("lasbilsförare", "Lastbilsförare",
                                                           "lastbilsför")
    assert why.prior_share == 0.25
    assert "fixed_exact_1" in why.contributions
    assert list(why.contributions) == sorted(why.contributions,
                                             key=lambda k: -abs(why.contributions[k]))


def test_empty_and_letterless_queries_score_zero_and_are_not_explained() -> None:
    index = TitleIndex(OWN, [NameGroup(("x",), (0,))])
    assert np.all(index.scores(["", "!!!", "   "]) == 0)
    assert index.explain("!!!") is None


def test_occupations_without_any_match_get_no_probability() -> None:
    own = [("Kock",), ("Bagare",), ("Xyz",)]
    scores = TitleIndex(own, [], prior=np.array([0.2, 0.2, 0.6])).scores(["kock"])[0]
    assert scores[2] == 0.0 and scores[0] > 0.5


def test_weights_round_trip_through_a_vector() -> None:
    weights = SearchWeights()
    assert SearchWeights.from_vector(weights.vector()) == weights
    with pytest.raises(ValueError, match="expected"):
        SearchWeights.from_vector([1.0])


def test_a_prior_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="prior has shape"):
        TitleIndex(OWN, [], prior=np.ones(5))
