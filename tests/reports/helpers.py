"""Calling reports and the assertions shared by the report tests."""

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
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body
