"""Occupation look-ups in the taxonomy: free-text title search and related occupations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from serving.deps import CurrentUser, MatchingDep
from serving.schemas.matching import OccupationPublic

router = APIRouter(prefix="/occupations", tags=["occupations"])

K = Annotated[int, Query(ge=1, le=100)]


@router.get("/search", response_model=list[OccupationPublic])
def search(principal: CurrentUser, matching: MatchingDep,
           q: Annotated[str, Query(min_length=1, max_length=200, pattern=r"\S",
                                   description="a job title as someone said it")],
           k: K = 10) -> list[dict[str, object]]:
    """Occupation names best matching a free-text title (misspellings and inflections too)."""
    return [hit.to_dict() for hit in matching.taxonomy.search(q, k)]


@router.get("/{occupation_id}/related", response_model=list[OccupationPublic])
def related(occupation_id: str, principal: CurrentUser, matching: MatchingDep,
            k: K = 10) -> list[dict[str, object]]:
    """Occupations a holder of this one moves into most easily."""
    return [hit.to_dict() for hit in matching.taxonomy.related(occupation_id, k)]
