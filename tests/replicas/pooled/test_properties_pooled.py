"""The properties suite through PgBouncer in transaction mode."""

from tests.properties.test_properties import *  # noqa: F403
