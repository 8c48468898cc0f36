"""Requests generated from the OpenAPI document: no 500, no response outside the schema."""

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

from tests.fixtures.factory import Factory, bearer, login
from tests.fixtures.server import LiveServer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_generated_requests_conform(synced: LiveServer, factory: Factory) -> None:
    """Against the API with sync running, so ``/v1/shape`` is exercised too."""
    live_server = synced
    with httpx.Client(base_url=live_server.base_url) as client:
        headers = bearer(login(client, factory.user("SUPER_ADMIN")))
    schema = schemathesis.openapi.from_url(f"{live_server.base_url}/openapi.json")
    failures: dict[str, str] = {}
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), [result for result in results if not isinstance(result, Ok)]
    assert len(operations) > 20
    for operation in operations:
        if operation.path == "/api/v1/auth/logout" or operation.path.endswith("/password"):
            continue  # would end the session the other requests use

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    assert failures == {}
