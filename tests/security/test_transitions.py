"""One placement, one place, whatever the concurrency (issue 17, item 1).

A coach double-clicking "started", two coaches moving the same placement, a doubled
"completed": 50 requests at once against ``platsa serve --workers 2`` (so two processes race
in the database), on SQLite and on PostgreSQL. While they run, a sampler reads the store
again and again in one read transaction per sample; at every sample and at the end, the
places an opening has taken equal its started placements and never exceed its capacity.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.security.conftest import LiveServer

REQUESTS = 50
TRIALS = 5
OPENING = "o1"  # capacity 2


class Ledger:
    """Samples (filled, capacity, started placements) of one opening from a live store."""

    def __init__(self, database_url: str, opening_id: str) -> None:
        self.url, self.opening_id = make_url(database_url), opening_id
        self.samples: list[tuple[int, int, int]] = []
        self._stop = threading.Event()
        self._engine = None if self.url.get_backend_name() == "sqlite" else create_engine(self.url)

    def read(self) -> tuple[int, int, int]:
        """One consistent reading: both counts from the same snapshot of the store."""
        query = ("SELECT o.filled, o.capacity, (SELECT COUNT(*) FROM placements p "
                 "WHERE p.opening_id = o.id AND p.status = 'started') FROM openings o "
                 "WHERE o.id = :id")
        if self.url.get_backend_name() == "sqlite":
            with sqlite3.connect(f"file:{self.url.database}?mode=ro", uri=True,
                                 isolation_level=None) as connection:
                filled, capacity, started = connection.execute(
                    query.replace(":id", "?"), (self.opening_id,)).fetchone()
            return int(filled), int(capacity), int(started)
        assert self._engine is not None
        with self._engine.connect() as connection:  # one statement: one snapshot
            filled, capacity, started = connection.execute(
                text(query), {"id": self.opening_id}).one()
        return int(filled), int(capacity), int(started)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.read())

    @contextmanager
    def sampling(self) -> Iterator[None]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()
            self._stop.clear()
            self.samples.append(self.read())

    def report(self, answers: Counter[object]) -> None:
        """What a trial gave (shown with ``pytest -s``)."""
        print(f"{self.url.get_backend_name()}: answers {dict(answers)}, {len(self.samples)} "
              f"samples, {len(self.broken())} broken, last {self.samples[-1]}")

    def broken(self) -> list[tuple[int, int, int]]:
        """Samples where held places differ from started placements or exceed capacity."""
        return [s for s in self.samples if s[0] != s[2] or s[2] > s[1]]


def _status(server: LiveServer, placement_id: str, status: str, **extra: str) -> int:
    body: dict[str, str] = {"status": status}
    if status == "declined":
        body["decline_reason"] = "other"
    with server.client() as client:
        return client.post(f"/placements/{placement_id}/status", json=body,
                           headers=server.headers("coach", **extra)).status_code


def _placement(server: LiveServer, participant_id: str, until: tuple[str, ...]) -> str:
    """A new placement on the opening, moved through ``until`` one step at a time."""
    with server.client() as client:
        created = client.post("/placements", headers=server.headers("coach"),
                              json={"participant_id": participant_id, "opening_id": OPENING})
    assert created.status_code == 201, created.text
    placement_id = created.json()["id"]
    for status in until:
        assert _status(server, placement_id, status) == 200
    return placement_id


def _at_once(calls: list[Callable[[], int]]) -> Counter[int]:
    """Run every call at the same moment (a barrier), each on its own connection."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], int]) -> int:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return Counter(pool.map(run, calls))


def _reset(server: LiveServer, ledger: Ledger) -> None:
    """End every started placement of the opening so each trial starts with its places free."""
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        started = connection.execute(text("SELECT id FROM placements WHERE opening_id = :o AND "
                                          "status = 'started'"), {"o": OPENING}).scalars().all()
    engine.dispose()
    for placement_id in started:
        assert _status(server, placement_id, "completed") == 200
    assert ledger.read() == (0, 2, 0)


OFFERED = ("accepted", "offered")


def test_a_double_submitted_start_takes_one_place(live: LiveServer) -> None:
    ledger = Ledger(live.database_url, OPENING)
    for _ in range(TRIALS):
        _reset(live, ledger)
        placement_id = _placement(live, "p1", OFFERED)
        with ledger.sampling():
            answers = _at_once([lambda p=placement_id: _status(live, p, "started")] * REQUESTS)
        ledger.report(answers)
        assert answers[200] == 1, answers
        assert set(answers) <= {200, 409, 422}, answers  # refused, never a server error
        assert ledger.broken() == []
        assert ledger.samples[-1] == (1, 2, 1)


def test_a_doubled_completion_frees_one_place_only(live: LiveServer) -> None:
    ledger = Ledger(live.database_url, OPENING)
    for _ in range(TRIALS):
        _reset(live, ledger)
        first = _placement(live, "p1", (*OFFERED, "started"))
        _placement(live, "p3", (*OFFERED, "started"))  # holds the other place throughout
        with ledger.sampling():
            answers = _at_once([lambda p=first: _status(live, p, "completed")] * REQUESTS)
        ledger.report(answers)
        assert answers[200] == 1, answers
        assert ledger.broken() == []
        assert ledger.samples[-1] == (1, 2, 1)


def test_conflicting_moves_on_many_placements_never_overbook(live: LiveServer) -> None:
    """Starts, declines, completions and drops of six placements on a two-place opening."""
    ledger = Ledger(live.database_url, OPENING)
    chance = random.Random(17)
    for _ in range(TRIALS):
        _reset(live, ledger)
        placements = [_placement(live, person, OFFERED) for person in ("p1", "p3") * 3]
        moves = [(chance.choice(placements), chance.choice(["started", "started", "completed",
                                                            "dropped", "declined"]))
                 for _ in range(REQUESTS)]
        with ledger.sampling():
            answers = _at_once([lambda p=p, s=s: _status(live, p, s) for p, s in moves])
        ledger.report(answers)
        assert set(answers) <= {200, 409, 422}, answers
        assert ledger.broken() == []
        filled, capacity, started = ledger.samples[-1]
        assert filled == started <= capacity


def test_a_repeated_idempotency_key_gets_the_first_answer_across_workers(live: LiveServer) -> None:
    """Fifty copies of one request with one key: one transition, fifty equal answers."""
    ledger = Ledger(live.database_url, OPENING)
    _reset(live, ledger)
    placement_id = _placement(live, "p1", OFFERED)

    def post() -> tuple[int, str]:
        with live.client() as client:
            answer = client.post(f"/placements/{placement_id}/status", json={"status": "started"},
                                 headers=live.headers("coach", **{"Idempotency-Key": "start-1"}))
        return answer.status_code, answer.text

    barrier = threading.Barrier(REQUESTS)

    def run(_: int) -> tuple[int, str]:
        barrier.wait()
        return post()

    with ledger.sampling(), ThreadPoolExecutor(REQUESTS) as pool:
        answers = Counter(pool.map(run, range(REQUESTS)))
    ledger.report(Counter({status: n for (status, _), n in answers.items()}))
    assert len(answers) == 1, answers  # every copy got the first answer
    ((status, _), count), = answers.items()
    assert (status, count) == (200, REQUESTS)
    assert ledger.broken() == [] and ledger.samples[-1] == (1, 2, 1)
    engine = create_engine(live.database_url)
    with engine.connect() as connection:
        events = connection.execute(text("SELECT COUNT(*) FROM placement_events WHERE "
                                         "placement_id = :p AND to_status = 'started'"),
                                    {"p": placement_id}).scalar_one()
    engine.dispose()
    assert events == 1
