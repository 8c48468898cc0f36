"""The engines an application process holds, created from :class:`DatabaseUrls`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from turns.db.engines import create_engine
from turns.db.urls import DatabaseUrls


@dataclass
class Database:
    urls: DatabaseUrls
    primary: AsyncEngine

    @classmethod
    def connect(cls, urls: DatabaseUrls, *, pool_size: int) -> Database:
        return cls(urls=urls, primary=create_engine(urls.app, application_name="turns-api", pool_size=pool_size))

    @property
    def reader(self) -> AsyncEngine:
        """The engine for read-only work: the primary until a replica router is configured."""
        return self.primary

    async def dispose(self) -> None:
        await self.primary.dispose()
