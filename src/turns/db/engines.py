"""SQLAlchemy engines for the URLs in :mod:`turns.db.urls`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def sqlalchemy_url(url: str) -> str:
    """A libpq URL in the form SQLAlchemy's psycopg 3 dialect expects."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]}")


def create_engine(url: str, *, application_name: str, pool_size: int) -> AsyncEngine:
    """An async engine safe behind a transaction-mode pooler.

    Prepared statements are off (``prepare_threshold=None``): PgBouncer in
    transaction mode may hand each transaction a different server connection.
    """
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"application_name": application_name, "prepare_threshold": None},
    )
