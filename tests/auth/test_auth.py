import asyncio
import hashlib

import httpx
import pytest

from tests.fixtures.factory import PASSWORD, Factory, bearer, login
from turns.auth.maintenance import purge_sessions
from turns.db.engines import Database


def test_login_returns_token_and_cookies(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("PROPERTY_MANAGER", email="Pat.Manager@Example.com")
    response = client.post("/api/v1/auth/login", json={"email": "pat.manager@example.com", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["role"] == "PROPERTY_MANAGER"
    assert len(body["token"]) >= 43  # 256 bits, url-safe base64
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("turns_session="))
    assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
    assert any(c.startswith("turns_csrf=") and "HttpOnly" not in c for c in cookies)
    # The database keeps only the token's hash.
    stored = factory.query("SELECT token_hash FROM sessions WHERE user_id = %s", (user.id,))
    assert stored == [(hashlib.sha256(body["token"].encode()).digest(),)]
    assert factory.query("SELECT count(*) FROM sessions WHERE token_hash = %s", (body["token"].encode(),)) == [(0,)]
    # last_login is set and the login is in the audit log.
    assert factory.query("SELECT last_login IS NOT NULL FROM users WHERE id = %s", (user.id,)) == [(True,)]


def test_each_login_gets_a_new_token(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    assert login(client, user) != login(client, user)


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "{user}", "password": "wrong password!"},
    ],
)
def test_bad_credentials_are_401(client: httpx.Client, factory: Factory, payload: dict[str, str]) -> None:
    user = factory.user("ADMIN")
    response = client.post("/api/v1/auth/login", json={k: v.replace("{user}", user.email) for k, v in payload.items()})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "wrong e-mail or password"
    assert factory.query("SELECT count(*) FROM sessions") == [(0,)]


def test_inactive_user_cannot_log_in(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN", is_active=False)
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_unknown_fields_and_malformed_bodies_are_rejected(client: httpx.Client) -> None:
    response = client.post("/api/v1/auth/login", json={"email": "a@b.co", "password": "x", "admin": True})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "admin"]
    response = client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_me_with_bearer_and_with_cookie(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("INSPECTOR")
    token = login(client, user)
    assert client.get("/api/v1/auth/me", headers=bearer(token)).json()["email"] == user.email
    # httpx keeps the cookies the login set.
    assert client.get("/api/v1/auth/me").json()["id"] == str(user.id)


def test_no_or_bad_token_is_401(client: httpx.Client) -> None:
    client.cookies.clear()
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/auth/me", headers=bearer("x" * 43)).status_code == 401


def test_cookie_writes_need_the_csrf_header(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    body = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).json()
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.json()["detail"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(body["token"])).status_code == 401


def test_logout_ends_only_that_session(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    first, second = login(client, user), login(client, user)
    client.cookies.clear()
    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(second)).status_code == 200


def test_list_and_revoke_own_sessions(client: httpx.Client, factory: Factory) -> None:
    user, other = factory.user("ADMIN"), factory.user("ADMIN")
    first, second = login(client, user), login(client, user)
    other_token = login(client, other)
    client.cookies.clear()
    listed = client.get("/api/v1/auth/sessions", headers=bearer(second)).json()
    assert len(listed) == 2
    assert [s["current"] for s in listed] == [True, False]
    first_id = listed[1]["id"]
    # Another user cannot revoke it: not found for them.
    assert client.delete(f"/api/v1/auth/sessions/{first_id}", headers=bearer(other_token)).status_code == 404
    assert client.get("/api/v1/auth/me", headers=bearer(first)).status_code == 200
    assert client.delete(f"/api/v1/auth/sessions/{first_id}", headers=bearer(second)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(first)).status_code == 401


def test_password_change_ends_other_sessions(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("PROPERTY_MANAGER")
    old, current = login(client, user), login(client, user)
    client.cookies.clear()
    wrong = client.post(
        "/api/v1/auth/password",
        headers=bearer(current),
        json={"current_password": "nope nope nope", "new_password": "a brand new secret"},
    )
    assert wrong.status_code == 403
    short = client.post(
        "/api/v1/auth/password", headers=bearer(current), json={"current_password": PASSWORD, "new_password": "short"}
    )
    assert short.status_code == 422
    ok = client.post(
        "/api/v1/auth/password",
        headers=bearer(current),
        json={"current_password": PASSWORD, "new_password": "a brand new secret"},
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(current)).status_code == 200
    assert login(client, user, "a brand new secret")
    failed = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert failed.status_code == 401


def test_disabling_a_user_ends_their_sessions(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("VENDOR")
    token = login(client, user)
    client.cookies.clear()
    factory.query("UPDATE users SET is_active = false WHERE id = %s RETURNING id", (user.id,))
    assert client.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    revoked = factory.query("SELECT revoked_at IS NOT NULL FROM sessions WHERE user_id = %s", (user.id,))
    assert revoked == [(True,)]


def test_expired_and_idle_sessions_are_refused(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    expired, idle, fresh = login(client, user), login(client, user), login(client, user)
    client.cookies.clear()
    factory.query(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = %s RETURNING id",
        (hashlib.sha256(expired.encode()).digest(),),
    )
    factory.query(
        "UPDATE sessions SET last_seen_at = now() - interval '13 hours' WHERE token_hash = %s RETURNING id",
        (hashlib.sha256(idle.encode()).digest(),),
    )
    assert client.get("/api/v1/auth/me", headers=bearer(expired)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(idle)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=bearer(fresh)).status_code == 200


def test_throttling_engages_and_releases(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    statuses = [
        client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong wrong"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    blocked = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    # The block is for this account from this address only, and short: when it has passed, the
    # real password works again.
    factory.query("UPDATE auth_throttle SET blocked_until = now() - interval '1 second' RETURNING key")
    assert client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).status_code == 200
    remaining = factory.query("SELECT key FROM auth_throttle WHERE key LIKE 'account_ip:%%'")
    assert remaining == []


def test_responses_carry_a_request_id(client: httpx.Client) -> None:
    first = client.get("/healthz").headers["x-request-id"]
    second = client.get("/healthz").headers["x-request-id"]
    assert first != second and len(first) >= 8
    assert client.get("/healthz", headers={"X-Request-ID": "trace-12345678"}).headers["x-request-id"] == (
        "trace-12345678"
    )


def test_expired_sessions_are_purged(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    old, live = login(client, user), login(client, user)
    factory.query(
        "UPDATE sessions SET expires_at = now() - interval '1 hour' WHERE token_hash = %s RETURNING id",
        (hashlib.sha256(old.encode()).digest(),),
    )

    async def purge() -> int:
        database = Database.connect(factory.urls, pool_size=1)
        try:
            return await purge_sessions(database)
        finally:
            await database.dispose()

    assert asyncio.run(purge()) == 1
    assert factory.query("SELECT token_hash FROM sessions") == [(hashlib.sha256(live.encode()).digest(),)]


def test_a_session_is_touched_at_most_once_a_minute_whatever_the_request_answers(
    client: httpx.Client, factory: Factory
) -> None:
    """The session is resolved inside the request's transaction; its touch is not, so a request
    that fails (rolled back) still counts as the session's use."""
    user = factory.user("ADMIN")
    token = login(client, user)
    client.cookies.clear()
    digest = hashlib.sha256(token.encode()).digest()

    def seen_ago(seconds: int) -> None:
        factory.query(
            "UPDATE sessions SET last_seen_at = now() - make_interval(secs => %s) WHERE token_hash = %s RETURNING id",
            (seconds, digest),
        )

    def seconds_since_seen() -> float:
        rows = factory.query(
            "SELECT extract(epoch FROM now() - last_seen_at) FROM sessions WHERE token_hash = %s", (digest,)
        )
        return float(rows[0][0])

    missing = "/api/v1/turns/00000000-0000-0000-0000-00000000abcd"
    seen_ago(300)
    assert client.get(missing, headers=bearer(token)).status_code == 404
    assert seconds_since_seen() < 30
    seen_ago(30)
    assert client.get("/api/v1/turns", headers=bearer(token)).status_code == 200
    assert 30 <= seconds_since_seen() < 60
    seen_ago(300)
    assert client.get("/api/v1/turns", headers=bearer(token)).status_code == 200
    assert seconds_since_seen() < 30
