"""Who took up work in which occupation: the programme's own occupation gender shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine

from matcher.domain import DeclineReason, PlacementStatus
from matcher.store.engine import session_scope
from matcher.store.repositories import (
    add_record,
    change_placement_status,
    erase_participant,
    occupation_workers,
)
from matcher.taxonomy.model import Occupation, Taxonomy, TaxonomyData
from platsa.assembly import occupation_shares
from platsa.settings import Settings
from tests.matcher.store import factories

DAY = dt.date(2025, 4, 1)
S = PlacementStatus


def _history(engine: Engine) -> None:
    """p1 (woman) started at the bakery o1; p2 (man) completed at o1 and declined o2;
    a suggestion to p2 of an opening without an occupation went nowhere."""
    with session_scope(engine) as session:
        add_record(session, factories.opening(id="o3", occupation_id=None, title="Allt i allo"))
        for record in (factories.placement(id="pl2", participant_id="p2"),
                       factories.placement(id="pl3", participant_id="p2", opening_id="o2"),
                       factories.placement(id="pl4", participant_id="p2", opening_id="o3")):
            add_record(session, record)
        for placement_id, path in (("pl1", (S.ACCEPTED, S.OFFERED, S.STARTED)),
                                   ("pl2", (S.ACCEPTED, S.OFFERED, S.STARTED, S.COMPLETED)),
                                   ("pl3", (S.DECLINED,)),
                                   ("pl4", (S.ACCEPTED, S.OFFERED, S.STARTED))):
            for status in path:
                reason = DeclineReason.TOO_FAR if status is S.DECLINED else None
                change_placement_status(session, placement_id, status, on=DAY, actor="c1",
                                        decline_reason=reason)


def test_workers_are_placements_taken_up_in_a_known_occupation(seeded: Engine) -> None:
    _history(seeded)
    with session_scope(seeded) as session:
        assert sorted(occupation_workers(session)) == [("occ-baker", "man"), ("occ-baker", "woman")]
        erase_participant(session, "p2")
        assert occupation_workers(session) == [("occ-baker", "woman")]


def test_without_statistics_the_shares_come_from_the_store(seeded: Engine, tmp_path: Path) -> None:
    _history(seeded)
    taxonomy = Taxonomy(TaxonomyData(
        occupations=(Occupation("occ-baker", "Bagare", "7412"),),
        ssyk_labels={"7412"[:n]: "Bagare" for n in (1, 2, 3, 4)}))
    shares = occupation_shares(Settings().replace(home=tmp_path, min_workers=2), taxonomy, seeded)
    assert (shares.women_share, shares.source) == ({"7412": 0.5}, "programme placements")
    too_few = Settings().replace(home=tmp_path, min_workers=3)
    assert occupation_shares(too_few, taxonomy, seeded).women_share == {}
