"""The application's engines: a pooled connection is checked, when lent, without a round trip."""

from __future__ import annotations

import asyncio
import os
import resource

import pytest
from sqlalchemy import text

from turns.db.engines import LARGE_VALUE, create_engine, retire_if_large
from turns.db.urls import DatabaseUrls

HIGH = 1100
"""Past select()'s limit (1,023): a server holding thousands of clients has descriptors that high."""


def test_a_connection_past_select_limit_is_lent(db: DatabaseUrls) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < HIGH + 100:
        pytest.skip(f"this machine allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, HIGH + 100), hard))
    held: list[int] = []
    try:
        while not held or held[-1] < HIGH:
            held.append(os.open(os.devnull, os.O_RDONLY))

        async def twice() -> list[int]:
            engine = create_engine(db.app, application_name="turns-test", pool_size=1)
            try:
                answers = []
                for _ in range(2):  # lent fresh, then lent again from the pool
                    async with engine.connect() as conn:
                        raw = await conn.get_raw_connection()
                        assert raw.driver_connection is not None
                        assert raw.driver_connection.pgconn.socket > 1023
                        answers.append(int(await conn.scalar(text("SELECT 1")) or 0))
                return answers
            finally:
                await engine.dispose()

        assert asyncio.run(twice()) == [1, 1]
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_connection_that_carried_a_large_value_is_closed_instead_of_lent_again(db: DatabaseUrls) -> None:
    async def backends() -> list[int]:
        engine = create_engine(db.app, application_name="turns-test", pool_size=1)
        try:
            seen = []
            for size in (LARGE_VALUE - 1, LARGE_VALUE, 0):
                async with engine.connect() as conn:
                    seen.append(int(await conn.scalar(text("SELECT pg_backend_pid()")) or 0))
                    await retire_if_large(conn, size)
            return seen
        finally:
            await engine.dispose()

    kept, retired, fresh = asyncio.run(backends())
    assert kept == retired  # a value just under the limit leaves the connection in the pool
    assert fresh != retired
