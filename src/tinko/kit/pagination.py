"""Keyset pagination over time-ordered string ids: `?limit=&cursor=` → `{data, next_cursor}`."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select

from tinko.errors import Unprocessable

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int = DEFAULT_LIMIT
    after_id: str | None = None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> PageParams:
    return PageParams(limit=limit, after_id=_decode(cursor) if cursor else None)


def paginate(
    statement: Select[Any], id_column: Any, params: PageParams, *, newest_first: bool = False
) -> Select[Any]:
    """Order by id (ids are time-ordered) and fetch one extra row to know if more follow."""
    if params.after_id is not None:
        past = id_column < params.after_id if newest_first else id_column > params.after_id
        statement = statement.where(past)
    order = id_column.desc() if newest_first else id_column
    return statement.order_by(order).limit(params.limit + 1)


def next_cursor(rows: Sequence[Any], params: PageParams, id_of: Any = None) -> str | None:
    if len(rows) <= params.limit:
        return None
    last = rows[params.limit - 1]
    last_id = id_of(last) if id_of else last.id
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise Unprocessable("cursor is not one this API issued", loc=["query", "cursor"]) from None


PageDep = Annotated[PageParams, Depends(page_params)]


def page_of(
    rows: Sequence[R], params: PageParams, convert: Callable[[R], T], id_of: Any = None
) -> Page[T]:
    """The API page for rows fetched with `paginate` (one row more than the page holds)."""
    return Page(
        data=[convert(row) for row in rows[: params.limit]],
        next_cursor=next_cursor(rows, params, id_of),
    )
