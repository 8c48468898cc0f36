"""CSRF tokens bound to their session, cookies refused from other sites, no-store answers,
login throttling by IPv6 /64, and forwarded addresses believed only from trusted proxies."""

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.api import refused
from tests.fixtures.factory import PASSWORD, Factory, User, bearer
from tests.fixtures.server import serving
from turns.config import ConfigError, Settings
from turns.db.urls import DatabaseUrls

LOGIN = "/api/v1/auth/login"


def _cookie_login(client: httpx.Client, user: User) -> dict[str, str]:
    response = client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_csrf_token_works_only_with_its_own_session(client: httpx.Client, factory: Factory) -> None:
    victim = factory.user("ADMIN")
    other = _cookie_login(client, victim)
    session = _cookie_login(client, victim)
    assert client.cookies["turns_csrf"] == session["csrf_token"] != other["csrf_token"]
    # An attacker who planted their own turns_csrf cookie and sends it as the header.
    client.cookies.delete("turns_csrf")
    client.cookies.set("turns_csrf", "attacker-chosen", domain="127.0.0.1")
    planted = refused(client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "attacker-chosen"}), 403)
    assert "this session's token" in planted.json()["detail"]
    # Another session's token (even the same user's) does not fit this session's cookie.
    refused(client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": other["csrf_token"]}), 403)
    refused(client.post("/api/v1/auth/logout", headers={b"X-CSRF-Token": "tök".encode("latin-1")}), 403)
    assert client.get("/api/v1/auth/me", headers=bearer(session["token"])).status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": session["csrf_token"]}).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer(session["token"])).status_code == 401


def test_cookie_requests_from_other_sites_are_refused(client: httpx.Client, factory: Factory) -> None:
    admin = factory.user("ADMIN")
    response = client.post(LOGIN, json={"email": admin.email, "password": PASSWORD})
    session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("turns_session="))
    assert "SameSite=strict" in session_cookie
    exports = "SELECT count(*) FROM audit_logs WHERE user_id = %s AND action = 'EXPORT'"
    for site in ("cross-site", "same-site"):
        refused(client.get("/api/v1/exports/turns.csv", headers={"Sec-Fetch-Site": site}), 403)
        refused(client.get("/api/v1/auth/me", headers={"Sec-Fetch-Site": site}), 403)
    assert factory.query(exports, (admin.id,)) == [(0,)]
    # The app's own pages, a typed address, and clients that send no such header.
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}):
        assert client.get("/api/v1/exports/turns.csv", headers=headers).status_code == 200
    assert factory.query(exports, (admin.id,)) == [(3,)]
    # A bearer token is not a cookie a browser attaches by itself: any site may use it.
    token = response.json()["token"]
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers={"Sec-Fetch-Site": "cross-site", **bearer(token)}).status_code == 200


def test_api_answers_are_not_stored(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    response = client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert response.headers["cache-control"] == "no-store"
    headers = bearer(response.json()["token"])
    client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers=headers).headers["cache-control"] == "no-store"
    one = client.get(f"/api/v1/users/{user.id}", headers=headers)
    assert one.headers["etag"] and one.headers["cache-control"] == "no-store"
    assert client.get("/api/v1/auth/me").headers["cache-control"] == "no-store"  # 401
    assert client.get("/api/v1/exports/turns.csv", headers=headers).headers.get_list("cache-control") == ["no-store"]
    assert "cache-control" not in client.get("/healthz").headers


@pytest.fixture
def behind_proxy(db: DatabaseUrls) -> Iterator[httpx.Client]:
    """The live server behind a reverse proxy on the loopback address."""
    with serving(db, trusted_proxies=("127.0.0.1", "10.0.0.0/8")) as http:
        yield http


def _session_addresses(factory: Factory, user: User) -> list[str]:
    rows = factory.query("SELECT host(ip_address) FROM sessions WHERE user_id = %s ORDER BY created_at", (user.id,))
    return [row[0] for row in rows]


def test_forwarded_addresses_are_ignored_by_default(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    body = {"email": user.email, "password": PASSWORD}
    assert client.post(LOGIN, json=body, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    assert _session_addresses(factory, user) == ["127.0.0.1"]


def test_forwarded_addresses_are_believed_from_trusted_proxies(behind_proxy: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")
    body = {"email": user.email, "password": PASSWORD}
    assert behind_proxy.post(LOGIN, json=body, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    # The client is the last address no trusted proxy holds.
    chained = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.1.2.3"}
    assert behind_proxy.post(LOGIN, json=body, headers=chained).status_code == 200
    assert _session_addresses(factory, user) == ["203.0.113.7", "203.0.113.9"]


def test_login_throttling_counts_an_ipv6_64_as_one_address(behind_proxy: httpx.Client, factory: Factory) -> None:
    user = factory.user("ADMIN")

    def attempt(address: str, password: str = "wrong wrong") -> int:
        body = {"email": user.email, "password": password}
        return behind_proxy.post(LOGIN, json=body, headers={"X-Forwarded-For": address}).status_code

    # Five addresses of one /64 are one address: the sixth attempt is blocked.
    assert [attempt(f"2001:db8:1:2::{n}") for n in range(1, 6)] == [401] * 5
    assert attempt("2001:db8:1:2:ffff:ffff:ffff:ffff", PASSWORD) == 429
    # The next /64 is another subscriber; IPv4 addresses count one by one.
    assert attempt("2001:db8:1:3::1", PASSWORD) == 200
    assert [attempt(f"198.51.100.{n}") for n in range(1, 6)] == [401] * 5
    assert attempt("198.51.100.6", PASSWORD) == 200
    keys = factory.query("SELECT key FROM auth_throttle WHERE key LIKE 'account_ip:%%' ORDER BY key")
    assert [key for (key,) in keys] == [f"account_ip:{user.email}|198.51.100.{n}" for n in range(1, 6)] + [
        f"account_ip:{user.email}|2001:db8:1:2::/64"
    ]


def test_trusted_proxies_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TURNS_TRUSTED_PROXIES", raising=False)
    assert Settings.from_env().trusted_proxies == ()
    monkeypatch.setenv("TURNS_TRUSTED_PROXIES", " 10.0.0.5, 172.16.0.0/12 ,fd00::/8 ")
    assert Settings.from_env().trusted_proxies == ("10.0.0.5", "172.16.0.0/12", "fd00::/8")
    monkeypatch.setenv("TURNS_TRUSTED_PROXIES", "10.0.0.5,proxy.internal")
    with pytest.raises(ConfigError, match="TURNS_TRUSTED_PROXIES must list IP addresses or CIDR networks"):
        Settings.from_env()
