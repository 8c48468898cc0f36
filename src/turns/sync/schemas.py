"""The ``electric-schema`` header of shapes, as it is sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from turns.sync.protocol import dumps
from turns.sync.shapes import ShapeDefinition, column_schema


class Schemas:
    """The header's text per table and column list, read once: every non-live response carries it,
    and writing it anew each time cost a tenth of a long-poll's time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.found: dict[tuple[str, tuple[str, ...]], str] = {}

    async def of(self, definition: ShapeDefinition) -> str:
        key = (definition.table, definition.columns)
        if key not in self.found:
            async with self.engine.connect() as conn:
                self.found[key] = dumps(await column_schema(conn, definition))
        return self.found[key]
