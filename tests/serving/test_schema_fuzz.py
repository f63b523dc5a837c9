"""Schemathesis drives every operation of the OpenAPI schema in process: no input is a 5xx.

The schema is loaded from the running test app (``schemathesis.openapi.from_asgi``), and each
operation gets its own Hypothesis run with an admin key, so every route is reached past
authentication. Failures of all operations are collected and reported together.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.serving.conftest import World

EXAMPLES_PER_OPERATION = 25


def test_no_input_makes_a_server_error(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    headers = world.headers("admin")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:400]}")
    assert failures == []
    statuses = _statuses(world)
    assert sum(statuses.values()) >= 5 * len(operations)  # the cases did reach the app
    assert not any(code >= 500 for code in statuses), statuses


def test_suggestions_of_real_participants_never_fail(world: World) -> None:
    """The suggestion options (``k``, ``lang``, ``widen_horizons``) fuzzed past the 404 a random
    participant id gets, so the matcher and the widening really run."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    operation = schema["/participants/{participant_id}/suggestions"]["GET"]
    answered: set[int] = set()

    @given(case=operation.as_strategy(), participant=st.sampled_from(["p1", "p2", "p3", "p-lund"]))
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case: schemathesis.Case, participant: str) -> None:
        case.path_parameters = {"participant_id": participant}
        response = case.call(headers=world.headers("admin"))
        case.validate_response(response, checks=[not_a_server_error])
        answered.add(response.status_code)

    fuzz()
    assert 200 in answered and max(answered) < 500


def _statuses(world: World) -> dict[int, float]:
    """Requests served per status code, from the app's own request counter."""
    counted: dict[int, float] = {}
    for metric in world.client.app.state.metrics.requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                code = int(sample.labels["status"])
                counted[code] = counted.get(code, 0) + sample.value
    return counted
