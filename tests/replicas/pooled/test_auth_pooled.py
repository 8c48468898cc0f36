"""The authentication suite through PgBouncer in transaction mode."""

from tests.auth.test_auth import *  # noqa: F403
