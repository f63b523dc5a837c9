"""The programme's calendar: what day it is for coaches, whatever the server's time zone.

Placements, outcomes and openings are dated by the Swedish calendar. On a server that runs
on UTC (as containers do) the local date is still yesterday's between midnight in Stockholm
and midnight UTC: a status set at 00:30 would be dated the day before, and an outcome
would be refused on the very day it falls due.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The zone every date of a programme is in.
PROGRAMME_ZONE = ZoneInfo("Europe/Stockholm")


def date_at(moment: dt.datetime) -> dt.date:
    """The programme's date at ``moment`` (which must carry its time zone)."""
    if moment.tzinfo is None:
        raise ValueError(f"a moment without a time zone has no programme date: {moment.isoformat()}")
    return moment.astimezone(PROGRAMME_ZONE).date()


def today() -> dt.date:
    """Today's date in the programme's zone (:data:`PROGRAMME_ZONE`)."""
    return date_at(dt.datetime.now(dt.UTC))
