"""What the API-wide tests share: a connection that sees every row, for their own checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.fixtures.factory import Factory


@pytest.fixture
def superuser(factory: Factory) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """One connection as the cluster's superuser, for building worlds and checking them."""
    assert factory.urls.superuser is not None
    with psycopg.connect(factory.urls.superuser, autocommit=True) as conn:
        yield conn
