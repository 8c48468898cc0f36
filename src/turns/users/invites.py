"""One-time links: an admin invites a user (who has no password yet) or resets a user's
password; the e-mailed link lets its holder choose a password once.

The link's token is 256 random bits; the database keeps only its SHA-256 (in ``user_tokens``,
which only the definer functions of migration 0014 touch), so a copy of the database opens
no account. Issuing a link ends the user's earlier unused links; using one sets the password
(which ends the user's sessions) and marks the e-mail verified. The e-mail goes through the
outbox in the same transaction, so a link exists only if its e-mail will be sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from turns.access.identity import CurrentUser
from turns.auth.service import hash_new_password
from turns.auth.tokens import new_token, token_hash
from turns.kit.errors import Gone

LIFETIME = timedelta(hours=72)
Purpose = Literal["invite", "reset"]

_ISSUE = text("SELECT auth_issue_user_token(:user, :purpose, :hash, :expires, CAST(:context AS jsonb))")
_HOLDER = text("SELECT user_id, email, first_name, last_name, purpose FROM auth_user_token_holder(:hash)")
_USE = text("SELECT auth_use_user_token(:hash, :password_hash)")

DEAD_LINK = "this link has expired or was already used; ask an admin for a new one"


async def issue(conn: AsyncConnection, user: CurrentUser, user_id: UUID, purpose: Purpose) -> datetime:
    """Create a link for ``user_id`` and queue its e-mail; the moment it expires."""
    token = new_token()
    expires = datetime.now(UTC) + LIFETIME
    inviter = " ".join(filter(None, (user.first_name, user.last_name))) or user.email
    context = {"path": f"#/welcome?token={token}", "inviter": inviter, "expires": f"{expires:%b %d, %Y %H:%M} UTC"}
    await conn.execute(
        _ISSUE,
        {
            "user": user_id,
            "purpose": purpose,
            "hash": token_hash(token),
            "expires": expires,
            "context": json.dumps(context),
        },
    )
    return expires


async def holder(conn: AsyncConnection, token: str) -> Mapping[Any, Any]:
    """Whom a live link is for (410 when it has expired, was used or never existed)."""
    row = (await conn.execute(_HOLDER, {"hash": token_hash(token)})).mappings().first()
    if row is None:
        raise Gone(DEAD_LINK)
    return row


async def accept(conn: AsyncConnection, token: str, password: str) -> Mapping[Any, Any]:
    """Set the password of the link's holder once it passes the password rule; use up the link."""
    found = await holder(conn, token)
    new_hash = await hash_new_password(
        password, field="password", personal=(found["email"], found["first_name"], found["last_name"])
    )
    if not (await conn.execute(_USE, {"hash": token_hash(token), "password_hash": new_hash})).scalar_one():
        raise Gone(DEAD_LINK)
    return found
