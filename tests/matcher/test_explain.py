"""Explanations that are true: each line's side and level word follow the feature's own value;
the contributions only order the lines. Known answers on hand-made rows."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from matcher.columns import KINDS
from matcher.constraints import ConstraintResult
from matcher.domain import LanguageLevel, OpeningKind, WorkSchedule
from matcher.explain import ExplainFacts, explain
from matcher.features import FEATURE_INDEX, FEATURES
from matcher.messages import Basis, Message, Strength, message
from platsa.i18n import renderer

SV, EN = renderer("sv"), renderer("en")


def row(**values: float) -> np.ndarray:
    out = np.zeros(len(FEATURES))
    for name, value in values.items():
        out[FEATURE_INDEX[name]] = value
    return out


def everything_positive() -> np.ndarray:
    """Contributions as SHAP gives them for a pair better than the average on every feature."""
    return np.ones(len(FEATURES))


def codes(lines: list[Message]) -> list[str]:
    return [m.code for m in lines]


PASSED = [
    ConstraintResult("open", True, message("check.open.places_left", places=2)),
    ConstraintResult("language", True, message("check.language.met", need=LanguageLevel.A2,
                                                has=LanguageLevel.B1)),
    ConstraintResult("adaptations", True, message("check.needs.none")),
    ConstraintResult("schedule", True, message("check.schedule.fits", schedule=WorkSchedule.DAYTIME)),
    ConstraintResult("licence", True, message("check.licence.none_required")),
    ConstraintResult("commute", True, message("check.commute.within", minutes=25)),
]
PRAKTIK = float(KINDS.index(OpeningKind.PRAKTIK))
EMPLOYMENT = float(KINDS.index(OpeningKind.EMPLOYMENT))


def test_a_wish_far_from_the_opening_is_never_a_reason_even_with_a_positive_contribution():
    """Issue #20: a snickare who wants "Lärling, träarbetare" was told "Önskat yrke Lärling,
    träarbetare → Butikssäljare, dagligvaror" as a reason, from a positive SHAP value relative
    to the average. The relatedness of the two occupations is low: it is not a match."""
    facts = ExplainFacts(opening_occupation="Butikssäljare, dagligvaror", best_trade="Snickare",
                         best_trade_years=6, trade_relatedness=0.05,
                         best_desired="Lärling, träarbetare", desired_relatedness=0.05,
                         hours_min=20, hours_max=40, participant_hours=40)
    values = row(occ_relatedness=0.05, occ_desired_relatedness=0.05, hours_fit=1.0,
                 opening_kind=EMPLOYMENT)
    contributions = row(occ_desired_relatedness=0.8, occ_relatedness=0.5, hours_fit=0.1)
    result = explain(values, contributions, PASSED, facts)
    reasons_sv = SV.messages(result.reasons)
    assert not any("Lärling, träarbetare" in line for line in reasons_sv)
    assert not any("Snickare" in line for line in reasons_sv)
    assert "fit.wish" not in codes(result.reasons) and "fit.trade" not in codes(result.reasons)
    # the true fact, that the wish is far from this opening, is among what is weak
    assert SV.messages(result.missing)[:2] == [
        "Önskat yrke Lärling, träarbetare: låg släktskap med Butikssäljare, dagligvaror",
        "Har arbetat som Snickare i 6 år: låg släktskap med Butikssäljare, dagligvaror"]


def test_level_words_come_from_the_relatedness_value():
    contributions = row(occ_relatedness=1.0)
    said = {}
    for value in (0.9, 0.5, 0.2):
        facts = ExplainFacts(opening_occupation="Träarbetare", best_trade="Snickare",
                             best_trade_years=6, trade_relatedness=value)
        result = explain(row(occ_relatedness=value), contributions, [], facts)
        [line] = [m for m in result.reasons + result.missing if m.code == "fit.trade"]
        said[value] = (line.params["strength"], line in result.reasons)
    assert said == {0.9: (Strength.HIGH, True), 0.5: (Strength.SOME, True),
                    0.2: (Strength.LOW, False)}
    facts = ExplainFacts(opening_occupation="Träarbetare", best_trade="Snickare",
                         best_trade_years=6.5, trade_relatedness=0.9)
    [line] = explain(row(occ_relatedness=0.9), contributions, [], facts).reasons
    assert SV.message(line) == "Har arbetat som Snickare i 6,5 år: hög släktskap med Träarbetare"
    assert EN.message(line) == "Has worked as Snickare for 6.5 years: a close match with Träarbetare"


def test_the_same_occupation_says_so():
    facts = ExplainFacts(opening_occupation="Snickare", best_trade="Snickare", best_trade_years=1,
                         trade_relatedness=1.0, same_trade=True)
    [line] = explain(row(occ_exact=1), row(occ_exact=2.0), [], facts).reasons
    assert SV.message(line) == "Samma yrke som deltagaren har haft i 1 år: Snickare"
    assert EN.message(line) == "The same occupation the participant has had for 1 year: Snickare"


def test_a_negative_contribution_does_not_turn_a_true_match_into_a_weakness():
    """Hours inside the range are a fit whichever way the model leaned on them; hours outside
    it are weak even when the contribution is positive."""
    facts = ExplainFacts(hours_min=20, hours_max=30, participant_hours=25)
    inside = explain(row(hours_fit=1.0), row(hours_fit=-0.7), [], facts)
    assert codes(inside.reasons) == ["fit.hours"] and inside.missing == []
    outside = explain(row(hours_fit=0.5), row(hours_fit=0.7), [],
                      ExplainFacts(hours_min=20, hours_max=30, participant_hours=40))
    assert outside.reasons == [] and codes(outside.missing) == ["fit.hours_off"]
    assert SV.message(outside.missing[0]) == (
        "Antalet timmar passar inte: 20–30 i veckan, deltagaren kan arbeta 40")


def test_a_fixed_number_of_hours_reads_as_one_number():
    fixed = ExplainFacts(hours_min=40, hours_max=40, participant_hours=30)
    weak = explain(row(hours_fit=0.75), row(hours_fit=-0.2), [], fixed)
    assert codes(weak.missing) == ["fit.hours_fixed_off"]
    assert SV.message(weak.missing[0]) == (
        "Antalet timmar passar inte: 40 timmar i veckan, deltagaren kan arbeta 30")
    fits = explain(row(hours_fit=1.0), row(hours_fit=0.3), [],
                   ExplainFacts(hours_min=40, hours_max=40, participant_hours=40))
    assert EN.message(fits.reasons[0]) == (
        "The number of hours fits: 40 hours a week, the participant can work 40")


@given(st.lists(st.floats(-3, 3), min_size=len(FEATURES), max_size=len(FEATURES)),
       st.lists(st.floats(0, 1), min_size=6, max_size=6))
def test_a_line_is_on_the_same_side_whatever_the_sign_of_its_contribution(contributions, values):
    """The side of each line is a function of the values: flipping every contribution's sign
    moves no line from the reasons to what is missing or back (only the order may change)."""
    relatedness, wish, text, hours, rate, gap = values
    facts = ExplainFacts(opening_occupation="B", best_trade="A", best_trade_years=3,
                         trade_relatedness=relatedness, best_desired="C", desired_relatedness=wish,
                         required_experience=2, hours_min=20, hours_max=30, participant_hours=25,
                         employer_known=True)
    x = row(occ_relatedness=relatedness, text_embedding_sim=text, hours_fit=hours,
            employer_success_rate=rate, experience_gap=gap - 0.5, related_experience_years=2,
            opening_kind=PRAKTIK)
    forward = explain(x, np.array(contributions), PASSED, facts, top=len(FEATURES))
    backward = explain(x, -np.array(contributions), PASSED, facts, top=len(FEATURES))

    def sides(result):
        return ({m.code: m.params for m in result.reasons}, {m.code: m.params for m in result.missing})

    assert sides(forward) == sides(backward)
    assert not set(sides(forward)[0]) & set(sides(forward)[1])


def test_lines_the_value_cannot_hold_are_not_said():
    """Text that is not alike, an employer without outcomes of its own, a regular job: no
    line, however large the contribution."""
    facts = ExplainFacts(employer_known=False)
    values = row(text_embedding_sim=0.2, text_char_sim=0.9, employer_success_rate=0.9,
                 opening_kind=EMPLOYMENT)
    result = explain(values, everything_positive(), [], facts)
    assert "fit.text" not in codes(result.reasons)
    assert not {"fit.employer_good", "fit.employer_weak", "fit.supported_kind"} & set(
        codes(result.reasons + result.missing))
    known = explain(values, everything_positive(), [], ExplainFacts(employer_known=True))
    assert SV.messages([m for m in known.reasons if m.code == "fit.employer_good"]) == [
        "90\xa0% av arbetsgivarens tidigare deltagare hade arbete efter 90 dagar"]


def test_years_in_far_trades_are_not_called_similar_work():
    """20 years as a snickare weigh 1 year at a relatedness of 0.05: no similar work to claim
    for a shop; the same figure from a related trade is said."""
    values, contributions = row(related_experience_years=1.0), row(related_experience_years=1.0)
    far = ExplainFacts(opening_occupation="Butikssäljare", best_trade="Snickare",
                       best_trade_years=20, trade_relatedness=0.05)
    assert "fit.experience" not in codes(explain(values, contributions, [], far).reasons)
    close = ExplainFacts(opening_occupation="Träarbetare", best_trade="Snickare",
                         best_trade_years=2, trade_relatedness=0.5)
    assert SV.messages([m for m in explain(values, contributions, [], close).reasons
                        if m.code == "fit.experience"]) == [
        "Ungefär 1 års erfarenhet av liknande arbete"]


def test_experience_required_and_not_held_is_missing_with_both_figures():
    facts = ExplainFacts(required_experience=3)
    result = explain(row(related_experience_years=1.2, experience_gap=-1.8),
                     row(experience_gap=0.4), [], facts)
    assert result.reasons == []
    assert SV.messages(result.missing) == [
        "Kräver 3 års erfarenhet, deltagaren har ungefär 1 års erfarenhet av liknande arbete"]
    assert EN.messages(result.missing) == [
        "Requires 3 years of experience; the participant has about 1 in similar work"]


def test_constraints_passed_are_reasons_failed_ones_missing_and_trivial_ones_unsaid():
    failed = ConstraintResult("commute", False, message("check.commute.too_far", minutes=90,
                                                        limit=60))
    result = explain(row(), row(), [*PASSED[:-1], failed], ExplainFacts())
    assert codes(result.reasons) == ["check.language.met", "check.schedule.fits"]
    assert SV.messages(result.missing) == [
        "Restid ungefär 90 minuter, mer än deltagarens gräns på 60 minuter"]


def test_a_participant_without_a_trade_is_told_so_and_what_the_suggestion_rests_on():
    """Issue #19: no earlier trade to match on; the suggestion rests on Swedish, hours,
    travel time, the kind of opening, no experience needed and the employer's outcomes."""
    facts = ExplainFacts(no_trade=True, required_experience=0, employer_known=True)
    values = row(opening_kind=PRAKTIK, employer_success_rate=0.6, hours_fit=1.0)
    result = explain(values, row(hours_fit=0.3), PASSED, facts)
    first = result.reasons[0]
    assert first == message("fit.no_trade", basis=[
        Basis.SWEDISH, Basis.SCHEDULE, Basis.COMMUTE, Basis.SUPPORTED_KIND, Basis.NO_EXPERIENCE,
        Basis.EMPLOYER])
    assert SV.message(first) == (
        "Deltagaren har inget tidigare yrke att matcha mot. Förslaget bygger på att svenskan "
        "räcker, arbetstiderna passar, restiden är inte för lång, det är ett första steg med stöd, "
        "ingen tidigare erfarenhet krävs och arbetsgivarens tidigare deltagare har ofta fått "
        "arbete.")
    assert EN.message(first) == (
        "The participant has no earlier trade to match on. The suggestion rests on the facts "
        "that their Swedish is enough, the working hours fit, the journey is not too long, it "
        "is a first step with support, no prior experience is needed and the employer's "
        "earlier participants have often found work.")
    assert "fit.trade" not in codes(result.reasons + result.missing)


def test_without_a_trade_the_hours_are_no_basis_when_the_hours_a_week_do_not_fit():
    """The schedule check passes on times (sfi, childcare); 40 hours a week for someone who
    can work 30 is said below as missing, so the first line must not say the hours fit."""
    facts = ExplainFacts(no_trade=True, required_experience=0, hours_min=40, hours_max=40,
                         participant_hours=30)
    result = explain(row(opening_kind=PRAKTIK, hours_fit=0.75), row(hours_fit=-0.3), PASSED, facts)
    assert result.reasons[0] == message("fit.no_trade", basis=[
        Basis.SWEDISH, Basis.COMMUTE, Basis.SUPPORTED_KIND, Basis.NO_EXPERIENCE])
    assert "arbetstiderna passar" not in SV.message(result.reasons[0])
    assert SV.messages(result.missing) == [
        "Antalet timmar passar inte: 40 timmar i veckan, deltagaren kan arbeta 30"]


def test_without_a_trade_and_nothing_else_known_the_line_still_says_so():
    facts = ExplainFacts(no_trade=True, required_experience=2)
    result = explain(row(opening_kind=EMPLOYMENT), row(), [], facts)
    assert SV.messages(result.reasons) == ["Deltagaren har inget tidigare yrke att matcha mot."]
