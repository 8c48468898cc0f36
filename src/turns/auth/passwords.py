"""Passwords: hashing (argon2id) and the rule a new password must pass, shared by the API and the CLI.

A password someone chooses (user creation, password change, ``turns users create``) is
refused when it is shorter than ``MIN_LENGTH``, the same as the one it replaces, one of the
30,000 passwords seen most often in breaches (the list zxcvbn ships), or easy to guess by
zxcvbn's estimate (a score under ``MIN_SCORE``, fewer than 10^8 guesses: words, names, dates,
keyboard runs and repeats, the user's own e-mail and name). Hashing itself checks nothing:
a login rehashes whatever password the user has.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

hasher = PasswordHasher()

MIN_LENGTH = 10
MIN_SCORE = 3
"""zxcvbn's score runs from 0 (too guessable) to 4; 3 is "safely unguessable" for an online
attack and resists an offline one on a slow hash."""

_SCORED_CHARACTERS = 72
"""zxcvbn refuses longer input (its cost grows fast with length): longer passwords are judged
by their first 72 characters."""

_COMMON = RANKED_DICTIONARIES["passwords"]

# zxcvbn keeps the user inputs of the password it is scoring in a module-level dictionary, so
# two passwords scored at once in different threads could see each other's inputs.
_scoring = threading.Lock()


class WeakPassword(ValueError):
    """A new password the rule refuses; the message says why, in words for the person choosing it."""


def check_new_password(password: str, *, current: str | None = None, personal: Iterable[str | None] = ()) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be set; ``current`` is the password it
    replaces, ``personal`` the user's e-mail and names (a password made of them is guessable)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if current is not None and password == current:
        raise WeakPassword("the new password is the same as the current one; choose a different one")
    if password.lower() in _COMMON:
        raise WeakPassword("this is one of the most common passwords, among the first an attacker tries")
    inputs = [part for value in personal if value for part in (value, value.split("@")[0])]
    with _scoring:
        result = zxcvbn(password[:_SCORED_CHARACTERS], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        reasons = " ".join(filter(None, [feedback["warning"], *feedback["suggestions"]]))
        raise WeakPassword("this password is too easy to guess" + (f". {reasons}" if reasons else ""))


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher.check_needs_rehash(password_hash)
