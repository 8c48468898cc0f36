"""Session tokens: 256 random bits for the client, only their SHA-256 in the database.

A session's CSRF token is derived from its session token (an HMAC keyed by it), so it is
valid for that session only: a CSRF token planted in a browser, or taken from another
session, does not match the session cookie sent beside it. The derivation is one-way, so
the CSRF token (readable by the page's scripts) does not give away the session token (an
``HttpOnly`` cookie).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COOKIE = "turns_session"
CSRF_COOKIE = "turns_csrf"
CSRF_HEADER = "x-csrf-token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of the session whose token is ``session_token``."""
    digest = hmac.new(session_token.encode(), b"turns csrf token", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
