"""Calling reports and the assertions shared by the report tests."""

from datetime import datetime
from typing import Any

import httpx

from tests.fixtures.factory import User, bearer, login


class Report:
    """``report(user, "turn-time", market="Atlanta")``: GET a report as ``user``, logging each
    user in once per test."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.tokens: dict[str, dict[str, str]] = {}

    def headers(self, user: User) -> dict[str, str]:
        if user.email not in self.tokens:
            self.tokens[user.email] = bearer(login(self.client, user))
            self.client.cookies.clear()
        return self.tokens[user.email]

    def __call__(self, user: User, name: str, **params: Any) -> httpx.Response:
        return self.client.get(f"/api/v1/reports/{name}", headers=self.headers(user), params=params)


def ok(response: httpx.Response) -> Any:
    """The figures of a 200 answer; a report's ``as_of`` (checked to be a time) is left out."""
    assert response.status_code == 200, response.text
    body = response.json()
    if isinstance(body, dict) and "as_of" in body:
        assert datetime.fromisoformat(body.pop("as_of"))
    return body


def refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body
