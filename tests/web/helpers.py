"""What a user may see and do, asked of the API directly, to compare with the browser."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from playwright.sync_api import Locator, expect

from tests.fixtures.mail import SmtpServer, deliver
from turns.db.urls import DatabaseUrls
from turns.seed.demo import Credential


def invitation_link(db: DatabaseUrls, smtp: SmtpServer, email: str) -> str:
    """The welcome route (``#/welcome?token=…``) of the invitation mailed to ``email``, once sent."""
    # The outbox worker runs asyncio.run(), which Playwright's running loop forbids in this thread.
    with ThreadPoolExecutor(1) as worker:
        while worker.submit(deliver, db, smtp.url).result():  # the demo's own waiting mail too
            pass
    [message] = [m for m in smtp.inbox.messages if m["To"] == email]
    assert message["Subject"].endswith("invited you to Turns")
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"/(#/welcome\?token=[A-Za-z0-9_-]+)", str(body.get_content()))
    assert found, body.get_content()
    return found.group(1)


class ApiUser:
    """A demo user signed in over plain HTTP (bearer token)."""

    def __init__(self, base_url: str, credential: Credential) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        login = {"email": credential.email, "password": credential.password}
        response = self.http.post("/api/v1/auth/login", json=login)
        assert response.status_code == 200, response.text
        self.http.cookies.clear()
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def active_turns(self) -> dict[str, dict[str, Any]]:
        """turn_id -> turn, for every active turn the user may read."""
        turns: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            page = self.get("/api/v1/turns", limit=200, **({"cursor": cursor} if cursor else {}))
            turns.update({t["turn_id"]: t for t in page["items"] if t["is_active"]})
            cursor = page.get("next_cursor")
            if not cursor:
                return turns

    def field_updates(self, turn_id: str, field: str) -> list[dict[str, Any]]:
        """The audit UPDATE rows of one turn that changed ``field``, newest first."""
        rows = self.get("/api/v1/audit", table_name="turns", record_id=turn_id, action="UPDATE", limit=200)["items"]
        return [row for row in rows if field in (row["changed_fields"] or [])]

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list endpoint, following its cursors."""
        found: list[dict[str, Any]] = []
        while True:
            page = self.get(path, limit=200, **params)
            found.extend(page["items"])
            if not page.get("next_cursor"):
                return found
            params["cursor"] = page["next_cursor"]

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """A write that must succeed; its JSON answer (None for 204)."""
        response = self.http.request(method, path, json=body)
        assert response.is_success, response.text
        return response.json() if response.content else None

    def stage_id(self, name: str) -> str:
        return str(next(s["id"] for s in self.get("/api/v1/turn-stages", limit=100)["items"] if s["name"] == name))

    def close(self) -> None:
        self.http.close()


def approve(row: Locator) -> None:
    """Approve the scope of a queue row (or a turn page's decision): the button, then the
    confirmation that names the amount."""
    row.get_by_role("button", name="Approve", exact=True).click()
    confirm = row.page.get_by_role("dialog").filter(has_text="Approve")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name=re.compile(r"^Approve \$")).click()
    expect(confirm).to_have_count(0)
