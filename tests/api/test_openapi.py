"""Requests generated from the OpenAPI document, as an admin and as a property manager: no
500, no response outside the schema; then sequences of requests that follow the links
Schemathesis infers between operations (a created row is read, changed, deactivated)."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.api import PROBLEM, token
from tests.fixtures.factory import Factory
from tests.fixtures.server import LiveServer
from turns.app import create_app
from turns.config import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ("SUPER_ADMIN", "PROPERTY_MANAGER")
# Operations that would end the session the other requests use: signing out, a new password,
# revoking a session, deactivating a user (who may be the caller).
SESSION_ENDING = r"^/api/v1/auth/(logout|password|sessions/\{session_id\})$|^/api/v1/users/\{user_id\}/deactivate$"
QUICK = settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _schema(server: LiveServer) -> Any:
    return schemathesis.openapi.from_url(f"{server.base_url}/openapi.json", timeout=120).exclude(
        path_regex=SESSION_ENDING
    )


def _sign_in(server: LiveServer, factory: Factory) -> dict[str, dict[str, str]]:
    with httpx.Client(base_url=server.base_url) as client:
        return {role: token(client, factory.user(role)) for role in ROLES}


def test_generated_requests_conform(synced: LiveServer, factory: Factory) -> None:
    """Against the API with sync running, so ``/v1/shape`` is exercised too."""
    schema = _schema(synced)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), [result for result in results if not isinstance(result, Ok)]
    assert len(operations) > 20
    failures: dict[str, str] = {}
    for role, headers in _sign_in(synced, factory).items():
        for operation in operations:
            failure = _failure(operation, headers)
            if failure:
                failures[f"{role} {operation.method.upper()} {operation.path}"] = failure
    assert failures == {}


def _failure(operation: Any, headers: dict[str, str]) -> str | None:
    @given(case=operation.as_strategy())
    @QUICK
    def run(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Exception as exc:  # every operation's failure is collected, then all reported
        return str(exc)[:2000]
    return None


def test_sequences_of_requests_conform(synced: LiveServer, factory: Factory) -> None:
    failures = {role: _sequence_failure(synced, headers) for role, headers in _sign_in(synced, factory).items()}
    assert {role: failure for role, failure in failures.items() if failure} == {}


def _sequence_failure(server: LiveServer, headers: dict[str, str]) -> str | None:
    """Schemathesis' stateful phase as one user: the first failing sequence (shrunk), or None."""
    machine = _schema(server).as_state_machine()

    class Signed(machine):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: schemathesis.Case[Any], **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, headers=headers)

    steps = settings(QUICK, max_examples=10, stateful_step_count=5)
    try:
        Signed.run(settings=steps)
    except Exception as exc:
        return str(exc)[:3000]
    return None


def test_refusals_are_in_the_document() -> None:
    """What the generated requests rarely reach: signing out before removing a shape, a body over
    the size limit."""
    paths = create_app(Settings.from_env()).openapi()["paths"]
    assert set(paths["/v1/shape"]["delete"]["responses"]) == {"202", "400", "401", "404", "422"}
    for path in ("/v1/shape", "/api/v1/properties"):
        assert PROBLEM in paths[path]["post"]["responses"]["413"]["content"]
