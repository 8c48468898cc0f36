"""The rule every new password passes, and the throttle on guessing one's own password."""

import subprocess
import sys

import httpx
import pytest

from tests.fixtures.api import PROBLEM, refused, token
from tests.fixtures.factory import PASSWORD, Factory, bearer, login

URL = "/api/v1/auth/password"
STRONG = "a brand new secret"


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        (PASSWORD, "the new password is the same as the current one; choose a different one"),
        ("aaaaaaaaaa", 'this password is too easy to guess. Repeats like "aaa" are easy to guess.'),
        ("1234567890", "this is one of the most common passwords, among the first an attacker tries"),
        ("Password123", "this is one of the most common passwords, among the first an attacker tries"),
        ("Summer2024!", "this password is too easy to guess. This is similar to a commonly used password."),
        ("pat.manager1977", "this password is too easy to guess."),
        ("short", None),
    ],
)
def test_password_change_refuses_weak_passwords(
    client: httpx.Client, factory: Factory, new_password: str, reason: str | None
) -> None:
    user = factory.user("PROPERTY_MANAGER", email="pat.manager@example.com")
    headers = token(client, user)
    response = refused(
        client.post(URL, headers=headers, json={"current_password": PASSWORD, "new_password": new_password}), 422
    )
    if reason is not None:
        assert response.json()["detail"].startswith(reason)
        assert response.json()["errors"][0]["loc"] == ["body", "new_password"]
    # Nothing changed: the old password still logs in.
    assert login(client, user)


def test_user_creation_refuses_weak_passwords(client: httpx.Client, factory: Factory) -> None:
    headers = token(client, factory.user("ADMIN"))
    body = {"email": "new.hire@example.com", "first_name": "Robin", "role": "USER"}
    for weak, reason in [
        ("aaaaaaaaaa", "this password is too easy to guess"),
        ("iloveyou12", "this is one of the most common passwords"),
        ("robin12345", "this password is too easy to guess"),
    ]:
        response = refused(client.post("/api/v1/users", headers=headers, json=body | {"password": weak}), 422)
        assert response.json()["detail"].startswith(reason)
        assert response.json()["errors"][0]["loc"] == ["body", "password"]
    assert factory.query("SELECT count(*) FROM users WHERE email = 'new.hire@example.com'") == [(0,)]
    assert client.post("/api/v1/users", headers=headers, json=body | {"password": STRONG}).status_code == 201


def test_guessing_the_current_password_is_throttled(client: httpx.Client, factory: Factory) -> None:
    user = factory.user("PROPERTY_MANAGER")
    first, second = login(client, user), login(client, user)
    client.cookies.clear()
    wrong = {"current_password": "a wrong guess", "new_password": STRONG}
    statuses = [client.post(URL, headers=bearer(first), json=wrong).status_code for _ in range(5)]
    assert statuses == [403] * 5
    # Blocked now, even with the right password and from the user's other session.
    right = {"current_password": PASSWORD, "new_password": STRONG}
    for session in (first, second):
        blocked = client.post(URL, headers=bearer(session), json=right)
        assert blocked.status_code == 429
        assert blocked.headers["content-type"] == PROBLEM
        assert 1 <= int(blocked.headers["retry-after"]) <= 60
        assert blocked.json()["detail"] == "too many wrong current passwords; try again later"
    assert login(client, user)  # the password did not change
    client.cookies.clear()
    # Once the block has passed, the right password works, and clears the count.
    factory.query("UPDATE auth_throttle SET blocked_until = now() - interval '1 second' RETURNING key")
    assert client.post(URL, headers=bearer(second), json=right).status_code == 204
    assert factory.query("SELECT key FROM auth_throttle WHERE key LIKE 'password:%%'") == []
    assert login(client, user, STRONG)


def test_production_password_cost() -> None:
    """The server as a program hashes with argon2id's RFC 9106 profile (64 MiB, three passes, four
    lanes); the suite's in-process servers use the lowest cost (tests/conftest.py)."""
    code = "from turns.auth.passwords import hash_password; print(hash_password('correct horse'))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
