"""What a caller may see of a use case's answer: the API's and the pages' shared projections."""

from __future__ import annotations

from typing import Any

import pandas as pd

from matcher.domain import LanguageLevel, Opening
from matcher.recommend.candidates import Candidate
from platsa.i18n import Renderer
from platsa.services.allocations import Allocated
from platsa.services.openings import Candidates
from platsa.services.security import Principal, Pseudonymizer, Role
from serving.schemas.admin import FollowupPublic
from serving.schemas.matching import (
    AllocationPublic,
    AssignmentPublic,
    CandidatePublic,
    CandidatesPublic,
)


def _trade(taxonomy: Any, occupation_id: str | None, title: str | None) -> str:
    if occupation_id and occupation_id in taxonomy:
        return str(taxonomy.occupation(occupation_id).label)
    return title or ""


def project(candidate: Candidate, opening: Opening, principal: Principal,
            pseudo: Pseudonymizer, taxonomy: Any, say: Renderer) -> CandidatePublic:
    """What the caller may see of one candidate (see :class:`CandidatePublic`), its labels
    in the renderer's language.

    Every field of a plain answer is set explicitly; the reciprocal ones only when the list
    is reciprocal, so the route (``exclude_unset``) leaves them out of a plain answer.
    """
    person = candidate.participant
    shared = person.consent_share_profile
    reciprocal = {} if candidate.acceptance is None else {
        "acceptance": candidate.acceptance, "reciprocal_score": candidate.reciprocal_score}
    return CandidatePublic(
        rank=candidate.rank, score=candidate.score,
        pseudonym=pseudo.pseudonym(person.id, opening.id), shares_profile=shared,
        participant_id=person.id if principal.role is not Role.EMPLOYER else None,
        swedish_level=say.label(LanguageLevel(person.swedish_level)) if shared else None,
        prior_trades=[_trade(taxonomy, t.occupation_id, t.title) for t in person.prior_trades]
        if shared else [],
        other_languages=list(person.other_languages) if shared else [],
        needs_you_offer=[say.label(need) for need in person.needs if need in opening.accommodations]
        if shared else [],
        **reciprocal)


def candidates_public(found: Candidates, principal: Principal, pseudo: Pseudonymizer,
                      taxonomy: Any, reciprocal: bool, say: Renderer) -> CandidatesPublic:
    """A candidate list as the caller may see it (pseudonymous for employers)."""
    ranked = found.ranked
    items = [project(c, found.opening, principal, pseudo, taxonomy, say) for c in ranked.items]
    source = {"acceptance_source": ranked.acceptance_source} if reciprocal else {}
    return CandidatesPublic(opening_id=ranked.opening_id, items=items, n_eligible=ranked.n_eligible,
                            fairness_reranked=ranked.fairness_reranked, ranker=ranked.ranker,
                            model_version=ranked.model_version, reciprocal=reciprocal, **source)


def allocation_public(done: Allocated) -> AllocationPublic:
    """An allocation's assignments, as the API and the allocation page show them."""
    result = done.allocation
    return AllocationPublic(
        assignments=[AssignmentPublic(participant_id=a.participant_id, opening_id=a.opening_id,
                                      score=round(a.score, 6)) for a in result.assignments],
        unassigned=result.unassigned, total_score=round(result.total_score, 6),
        model_version=done.model_version)


def followup_public(table: pd.DataFrame, by: list[str], period: str) -> FollowupPublic:
    """The follow-up table with JSON-safe rows: NaN (an empty share) becomes null."""
    rows = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return FollowupPublic(by=by, period=period, rows=rows)
