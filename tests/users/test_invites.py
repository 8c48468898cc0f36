"""Invitations and password resets by e-mailed one-time links."""

import re
from email.message import EmailMessage

import httpx

from tests.fixtures.api import refused, token
from tests.fixtures.factory import Factory, User
from tests.fixtures.mail import SmtpServer, deliver

INVITE = "/api/v1/users/invite"
ACCEPT = "/api/v1/auth/accept-invite"
STRONG = "maple-Harbor-rowing-417"


def _link_token(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"http://turns\.test/#/welcome\?token=([A-Za-z0-9_-]+)", str(body.get_content()))
    assert found, body.get_content()
    return found.group(1)


def _mailed_token(factory: Factory, smtp: SmtpServer, to: str) -> str:
    assert deliver(factory.urls, smtp.url) == 1
    [message] = [m for m in smtp.inbox.messages if m["To"] == to]
    smtp.inbox.messages.remove(message)
    return _link_token(message)


def _signs_in(client: httpx.Client, email: str, password: str) -> bool:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    client.cookies.clear()
    return response.status_code == 200


def test_an_invited_user_chooses_a_password_once(client: httpx.Client, factory: Factory, smtp: SmtpServer) -> None:
    admin = factory.user("ADMIN")
    created = client.post(
        INVITE,
        json={"email": "New.Manager@Example.com", "first_name": "Nora", "role": "PROPERTY_MANAGER"},
        headers=token(client, admin),
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert created.json()["role"] == "PROPERTY_MANAGER" and created.json()["email"] == "new.manager@example.com"
    [(hash_set, purpose, hours)] = factory.query(
        "SELECT u.password_hash IS NOT NULL, t.purpose, round(extract(epoch FROM t.expires_at - t.created_at) / 3600)"
        " FROM users u JOIN user_tokens t ON t.user_id = u.id WHERE u.id = %s",
        (user_id,),
    )
    assert (hash_set, purpose, hours) == (False, "invite", 72)
    assert not _signs_in(client, "new.manager@example.com", STRONG)

    assert deliver(factory.urls, smtp.url) == 1
    [message] = smtp.inbox.messages
    assert message["To"] == "new.manager@example.com"
    assert re.fullmatch(r"\[Turns\] Admin \d+ invited you to Turns", message["Subject"])
    link = _link_token(message)
    [(stored,)] = factory.query("SELECT token_hash FROM user_tokens WHERE user_id = %s", (user_id,))
    assert link.encode() not in bytes(stored)  # only the hash is kept

    weak = refused(client.post(ACCEPT, json={"token": link, "password": "password123"}), 422)
    assert weak.json()["errors"][0]["loc"] == ["body", "password"]
    assert "common" in weak.json()["detail"]

    accepted = client.post(ACCEPT, json={"token": link, "password": STRONG})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"email": "new.manager@example.com"}
    assert _signs_in(client, "new.manager@example.com", STRONG)
    assert factory.query("SELECT email_verified FROM users WHERE id = %s", (user_id,)) == [(True,)]

    again = refused(client.post(ACCEPT, json={"token": link, "password": "another-Harbor-rowing-92"}), 410)
    assert "already used" in again.json()["detail"]
    assert _signs_in(client, "new.manager@example.com", STRONG)
    refused(client.post(ACCEPT, json={"token": "not-a-token", "password": STRONG}), 410)


def test_a_reset_link_expires_and_replaces_the_earlier_one(
    client: httpx.Client, factory: Factory, smtp: SmtpServer
) -> None:
    admin = token(client, factory.user("ADMIN"))
    inspector = factory.user("INSPECTOR")
    url = f"/api/v1/users/{inspector.id}/reset-password"

    sent = client.post(url, headers=admin)
    assert sent.status_code == 202, sent.text
    first = _mailed_token(factory, smtp, inspector.email)
    assert client.post(url, headers=admin).status_code == 202
    second = _mailed_token(factory, smtp, inspector.email)
    refused(client.post(ACCEPT, json={"token": first, "password": STRONG}), 410)  # replaced

    factory.query("UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL RETURNING id")
    refused(client.post(ACCEPT, json={"token": second, "password": STRONG}), 410)
    assert not _signs_in(client, inspector.email, STRONG)

    assert client.post(url, headers=admin).status_code == 202
    third = _mailed_token(factory, smtp, inspector.email)
    assert client.post(ACCEPT, json={"token": third, "password": STRONG}).status_code == 200
    assert _signs_in(client, inspector.email, STRONG)
    [(actions,)] = factory.query(
        "SELECT array_agg(action::text ORDER BY created_at) FROM audit_logs WHERE table_name = 'user_tokens'"
    )
    assert actions.count("CREATE") == 3


def test_only_admins_invite_and_reset(client: httpx.Client, factory: Factory, smtp: SmtpServer) -> None:
    manager = token(client, factory.user("PROPERTY_MANAGER"))
    admin: User = factory.user("ADMIN")
    super_admin = factory.user("SUPER_ADMIN")

    refused(client.post(INVITE, json={"email": "x@example.com"}, headers=manager), 403)
    refused(client.post(f"/api/v1/users/{admin.id}/reset-password", headers=manager), 403)
    as_admin = token(client, admin)
    refused(client.post(INVITE, json={"email": "boss@example.com", "role": "SUPER_ADMIN"}, headers=as_admin), 403)
    refused(client.post(f"/api/v1/users/{super_admin.id}/reset-password", headers=as_admin), 403)
    refused(client.post(INVITE, json={"email": "v@example.com", "role": "VENDOR"}, headers=as_admin), 422)
    assert factory.query("SELECT count(*) FROM user_tokens") == [(0,)]
    assert factory.query("SELECT count(*) FROM users WHERE email IN ('x@example.com', 'boss@example.com')") == [(0,)]
    assert deliver(factory.urls, smtp.url) == 0
