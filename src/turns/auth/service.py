"""Login, throttling and sessions, over the definer functions of migration 0005_auth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from anyio import to_thread
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.auth.passwords import hash_password, needs_rehash, verify_password
from turns.auth.tokens import new_token, token_hash

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


def throttle_keys(email: str, ip: str | None) -> dict[str, str]:
    account = email.strip().lower()
    address = ip or "unknown"
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


async def record_failure(conn: AsyncConnection, keys: dict[str, str]) -> None:
    for rule in RULES:
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


async def change_password(conn: AsyncConnection, user_id: UUID, new_password: str) -> None:
    """Store a new hash; the database ends the user's other sessions."""
    new_hash = await to_thread.run_sync(hash_password, new_password)
    await conn.execute(text("UPDATE users SET password_hash = :hash WHERE id = :id"), {"hash": new_hash, "id": user_id})
