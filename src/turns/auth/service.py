"""Login, throttling and sessions, over the definer functions of migration 0005_auth.

Logins are throttled per account and address (an IPv6 address by its /64, which one
subscriber usually holds whole), per address and per account; a signed-in user's guesses
at their own password (to change it) per user, so a stolen session cannot guess it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from ipaddress import IPv6Address, ip_address, ip_network
from uuid import UUID

from anyio import to_thread
from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.auth.passwords import WeakPassword, check_new_password, hash_password, needs_rehash, verify_password
from turns.auth.tokens import new_token, token_hash
from turns.kit.errors import Unprocessable

# A hash to verify against when the e-mail is unknown, so both cases cost the same time.
_DUMMY_HASH = hash_password("not-a-real-password-" + new_token())


@dataclass(frozen=True)
class ThrottleRule:
    """From ``threshold`` failures within ``window`` on, block for ``base`` doubled per failure,
    never longer than ``max_block``."""

    prefix: str
    threshold: int
    window: timedelta
    base: timedelta
    max_block: timedelta


# Tight for one account from one address; looser for an address (shared NATs) and for an
# account from everywhere, so an attacker can lock a real user out for 15 minutes at most.
RULES = (
    ThrottleRule("account_ip", 5, timedelta(minutes=15), timedelta(seconds=30), timedelta(minutes=15)),
    ThrottleRule("ip", 50, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=15)),
    ThrottleRule("account", 20, timedelta(minutes=15), timedelta(minutes=1), timedelta(minutes=15)),
)

# Guessing one's own current password, from any session: as tight as one account from one address.
PASSWORD_RULE = ThrottleRule("password", 5, timedelta(minutes=15), timedelta(seconds=30), timedelta(minutes=15))


def throttle_address(ip: str | None) -> str:
    """What login throttling counts as one address: an IPv4 address, or an IPv6 address's /64."""
    if ip is None:
        return "unknown"
    try:
        address = ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ip_network((address, 64), strict=False))
    return str(address)


def throttle_keys(email: str, ip: str | None) -> dict[str, str]:
    account = email.strip().lower()
    address = throttle_address(ip)
    return {"account_ip": f"account_ip:{account}|{address}", "ip": f"ip:{address}", "account": f"account:{account}"}


@dataclass(frozen=True)
class LoginResult:
    user_id: UUID | None = None
    token: str | None = None
    session_id: UUID | None = None
    expires_at: datetime | None = None
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.token is not None


async def blocked_for(conn: AsyncConnection, keys: dict[str, str]) -> int | None:
    """Seconds until the login may be tried again, if it is blocked."""
    until = (
        await conn.execute(text("SELECT auth_throttle_blocked_until(:keys)"), {"keys": list(keys.values())})
    ).scalar()
    if until is None:
        return None
    return max(1, int((until - datetime.now(UTC)).total_seconds()) + 1)


async def record_failure(conn: AsyncConnection, keys: dict[str, str], rules: Iterable[ThrottleRule] = RULES) -> None:
    for rule in rules:
        await conn.execute(
            text("SELECT auth_throttle_fail(:key, :threshold, :window, :base, :max_block)"),
            {
                "key": keys[rule.prefix],
                "threshold": rule.threshold,
                "window": rule.window,
                "base": rule.base,
                "max_block": rule.max_block,
            },
        )


async def login(
    conn: AsyncConnection, email: str, password: str, *, ip: str | None, user_agent: str | None, lifetime: timedelta
) -> LoginResult:
    """Check the credentials and open a session. The caller commits whatever the outcome,
    so failures count even though the request answers 401."""
    keys = throttle_keys(email, ip)
    retry = await blocked_for(conn, keys)
    if retry is not None:
        return LoginResult(retry_after=retry)
    row = (
        await conn.execute(
            text("SELECT user_id, password_hash, is_active FROM auth_login_candidate(:email)"), {"email": email}
        )
    ).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    valid = await to_thread.run_sync(verify_password, stored, password)
    if row is None or not row.password_hash or not row.is_active or not valid:
        await record_failure(conn, keys)
        return LoginResult()
    await conn.execute(text("SELECT auth_throttle_clear(:key)"), {"key": keys["account_ip"]})
    await conn.execute(
        text(
            "SELECT set_config('app.current_user_id', :uid, true), set_config('app.context', 'login', true),"
            " set_config('app.ip_address', :ip, true), set_config('app.user_agent', :ua, true)"
        ),
        {"uid": str(row.user_id), "ip": ip or "", "ua": user_agent or ""},
    )
    rehash = await to_thread.run_sync(hash_password, password) if needs_rehash(row.password_hash) else None
    token = new_token()
    expires_at = datetime.now(UTC) + lifetime
    session_id: UUID = (
        await conn.execute(
            text("SELECT auth_create_session(:hash, :expires, CAST(:ip AS inet), :ua, :rehash)"),
            {"hash": token_hash(token), "expires": expires_at, "ip": ip, "ua": user_agent, "rehash": rehash},
        )
    ).scalar_one()
    return LoginResult(user_id=row.user_id, token=token, session_id=session_id, expires_at=expires_at)


async def password_matches(conn: AsyncConnection, email: str, password: str) -> bool:
    row = (await conn.execute(text("SELECT password_hash FROM auth_login_candidate(:email)"), {"email": email})).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    valid = await to_thread.run_sync(verify_password, stored, password)
    return bool(row is not None and row.password_hash and valid)


@dataclass(frozen=True)
class PasswordCheck:
    ok: bool
    retry_after: int | None = None


async def check_current_password(conn: AsyncConnection, user_id: UUID, email: str, password: str) -> PasswordCheck:
    """Whether ``password`` is the signed-in user's own, throttled by :data:`PASSWORD_RULE`:
    while blocked, not even the right password is checked. The caller commits whatever the
    outcome, so wrong guesses count even though the request answers with an error."""
    keys = {PASSWORD_RULE.prefix: f"password:{user_id}"}
    retry = await blocked_for(conn, keys)
    if retry is not None:
        return PasswordCheck(ok=False, retry_after=retry)
    if not await password_matches(conn, email, password):
        await record_failure(conn, keys, (PASSWORD_RULE,))
        return PasswordCheck(ok=False)
    await conn.execute(text("SELECT auth_throttle_clear(:key)"), {"key": keys[PASSWORD_RULE.prefix]})
    return PasswordCheck(ok=True)


async def hash_new_password(
    password: str, *, field: str, current: str | None = None, personal: Iterable[str | None] = ()
) -> str:
    """The hash of a password someone chose, once it passes the rule of :mod:`turns.auth.passwords`
    (a ``422`` problem naming ``field`` and saying why, when it does not)."""
    try:
        await to_thread.run_sync(partial(check_new_password, password, current=current, personal=tuple(personal)))
    except WeakPassword as exc:
        raise Unprocessable(
            str(exc), errors=[{"loc": ["body", field], "msg": str(exc), "type": "weak_password"}]
        ) from exc
    return await to_thread.run_sync(hash_password, password)


async def change_password(conn: AsyncConnection, user_id: UUID, new_hash: str) -> None:
    """Store a new hash; the database ends the user's other sessions."""
    await conn.execute(text("UPDATE users SET password_hash = :hash WHERE id = :id"), {"hash": new_hash, "id": user_id})


_PROFILE = text(
    "SELECT id, email, first_name, last_name, phone, role::text AS role, vendor_id FROM users WHERE id = :id"
)


async def profile(conn: AsyncConnection, user_id: UUID) -> RowMapping:
    """The signed-in user's own row, as ``/me`` and a login answer it."""
    return (await conn.execute(_PROFILE, {"id": user_id})).mappings().one()


async def live_sessions(conn: AsyncConnection) -> list[RowMapping]:
    """The acting user's live sessions, newest first."""
    return list((await conn.execute(text("SELECT * FROM auth_list_sessions()"))).mappings().all())


async def revoke_session(conn: AsyncConnection, session_id: UUID) -> bool:
    """End one of the acting user's live sessions; False when none of theirs has this id."""
    revoked: bool = (await conn.execute(text("SELECT auth_revoke_session(:id)"), {"id": session_id})).scalar_one()
    return revoked
