from argon2 import PasswordHasher

from turns.auth import passwords

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.server",
    "tests.fixtures.factory",
    "tests.fixtures.mail",
    "tests.fixtures.replica",
    "tests.fixtures.s3",
    "tests.fixtures.pgbouncer",
    "tests.fixtures.sync",
    "tests.fixtures.web",
]


def _cheap_password_hashes() -> None:
    """Argon2 with its production cost (64 MiB, three passes) takes a quarter of a second a
    password on this suite's machine, and the suite signs in thousands of times: the API servers
    the tests run in their own process hash with the lowest cost instead. Servers the tests start
    as programs keep the production cost (``test_production_password_cost`` checks it)."""
    passwords.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


_cheap_password_hashes()
