"""``/api/v1/search``: one box for properties, turns and vendors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import TypeAdapter

from turns.access.identity import CurrentUser
from turns.auth.dependencies import current_user
from turns.auth.transaction import ReadTransaction
from turns.kit.errors import PROBLEM_RESPONSES
from turns.search.schemas import AnyHit, SearchQuery, SearchResults
from turns.search.service import search

router = APIRouter(prefix="/api/v1/search", tags=["search"], responses=PROBLEM_RESPONSES)
User = Annotated[CurrentUser, Depends(current_user)]
_HITS = TypeAdapter(list[AnyHit])


@router.get(
    "",
    response_model=SearchResults,
    summary="Properties, turns and vendors visible to you that match a text, best first (typos forgiven)",
)
async def search_records(conn: ReadTransaction, user: User, params: Annotated[SearchQuery, Query()]) -> SearchResults:
    rows = await search(conn, user, params.q, params.types.split(","), params.limit)
    return SearchResults(items=_HITS.validate_python(rows))
