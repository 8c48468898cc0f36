"""Session tokens: 256 random bits for the client, only their SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets

COOKIE = "turns_session"
CSRF_COOKIE = "turns_csrf"
CSRF_HEADER = "x-csrf-token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
