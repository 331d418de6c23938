"""Cursor paging for every list route (the agreed shape, so the console and the client rely on it).

A list route keeps answering a JSON array. It takes ``limit`` (default 50, at most 200) and an
opaque ``cursor``; when more rows exist it sets ``Link: <?...>; rel="next"`` and
``X-Next-Cursor``. The link is a relative reference carrying only the query (RFC 3986 5.2.2:
same path, new query), so it stays right behind the gateway, which serves the route under
another prefix.

Paging is by keyset, not offset: the cursor holds the sort key of the last row returned, and the
next page is "rows after that key" in one indexed query, stable while rows are added. Sort keys
must be non-null expressions that end in a unique column (``coalesce(due_on, ...)``, then
``created_at``, then ``id``). The cursor is not signed: a forged one only moves where a caller's
own, already filtered, list starts.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from sqlalchemy import BigInteger, ColumnElement, Select, SmallInteger, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kit.problems import Unprocessable

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")

# Typed cursor values: the database compares them with the sort key's own type.
_ENCODERS: tuple[tuple[type, str, Callable[[Any], Any]], ...] = (
    (bool, "b", bool), (int, "i", int), (datetime, "t", datetime.isoformat), (date, "d", date.isoformat),
    (uuid.UUID, "u", str), (str, "s", str),
)
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "b": bool, "i": int, "t": datetime.fromisoformat, "d": date.fromisoformat, "u": uuid.UUID, "s": str,
}


def encode_cursor(values: Sequence[Any]) -> str:
    typed = []
    for value in values:
        for kind, tag, dump in _ENCODERS:
            if isinstance(value, kind):
                typed.append([tag, dump(value)])
                break
        else:
            raise TypeError(f"cannot page on a {type(value).__name__} sort key")
    raw = json.dumps(typed, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        typed = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(typed, list) or not typed or not all(isinstance(p, list) and len(p) == 2 for p in typed):
            raise ValueError("not a list of typed values")
        return tuple(_DECODERS[tag](value) for tag, value in typed)
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise Unprocessable("cursor 无效，请从第一页重新开始 (not a cursor this list gave out)",
                            field="cursor") from None


@dataclass
class Paging:
    """The page a caller asked for; sets the next-page headers on the response it was given."""

    limit: int
    after: tuple[Any, ...] | None
    request: Request
    response: Response

    async def fetch(self, session: AsyncSession, stmt: Select[Any], keys: Sequence[ColumnElement[Any]], *,
                    descending: bool = False, scalars: bool = True) -> list[Any]:
        """One query: the rows after the cursor in key order, at most `limit` of them."""
        if self.after is not None:
            if len(self.after) != len(keys) or not all(map(_fits, keys, self.after)):
                raise Unprocessable("cursor 无效 (a cursor of another list)", field="cursor")
            position = tuple_(*keys)
            bound = tuple_(*(_typed_literal(k, v) for k, v in zip(keys, self.after, strict=True)))
            stmt = stmt.where(position < bound if descending else position > bound)
        order = [k.desc() for k in keys] if descending else list(keys)
        rows = (await session.execute(stmt.add_columns(*keys).order_by(*order).limit(self.limit + 1))).all()
        width = len(keys)
        page = rows[: self.limit]
        self._next(tuple(page[-1][-width:]) if len(rows) > self.limit else None)
        return [row[0] if scalars else tuple(row[:-width]) for row in page]

    def slice(self, items: Sequence[T], key: Callable[[T], tuple[Any, ...]]) -> list[T]:
        """The same contract over a list already in memory (rule sets, the station directory),
        sorted by `key`, a unique sort key."""
        ordered = sorted(items, key=key)
        if self.after is not None:
            ordered = [item for item in ordered if key(item) > self.after]
        page = ordered[: self.limit]
        self._next(key(page[-1]) if len(ordered) > self.limit else None)
        return page

    def _next(self, last_key: tuple[Any, ...] | None) -> None:
        if last_key is None:
            return
        cursor = encode_cursor(last_key)
        query = [(k, v) for k, v in self.request.query_params.multi_items() if k not in ("cursor", "limit")]
        query += [("limit", str(self.limit)), ("cursor", cursor)]
        self.response.headers["Link"] = f'<?{urlencode(query)}>; rel="next"'
        self.response.headers["X-Next-Cursor"] = cursor


def _fits(key: ColumnElement[Any], value: Any) -> bool:
    """A cursor value the database can compare with its key: a cursor from another list (or made up)
    is a 422, never a driver error."""
    try:
        expected = key.type.python_type
    except NotImplementedError:
        return True
    if expected is date:
        return type(value) is date  # a datetime is a date to Python, not to PostgreSQL
    if expected is int:
        bits = 63 if isinstance(key.type, BigInteger) else 15 if isinstance(key.type, SmallInteger) else 31
        return type(value) is int and -(2**bits) <= value < 2**bits
    if expected is str:
        return isinstance(value, str) and "\x00" not in value  # PostgreSQL text holds no NUL
    return isinstance(value, expected)


def _typed_literal(key: ColumnElement[Any], value: Any) -> ColumnElement[Any]:
    return literal(value, type_=key.type)


def paging(
    request: Request, response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page (default 50, at most 200)")]
    = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=1024, description="from `X-Next-Cursor` or the `Link` "
                                                                      "header of the previous page")] = None,
) -> Paging:
    return Paging(limit=limit, after=decode_cursor(cursor) if cursor else None, request=request, response=response)


PagingDep = Annotated[Paging, Depends(paging)]

# OpenAPI: the headers a paged list may answer with.
PAGED_HEADERS = {
    "Link": {"description": 'the next page, `<?limit=..&cursor=..>; rel="next"`, when there is one',
             "schema": {"type": "string"}},
    "X-Next-Cursor": {"description": "the cursor of the next page, when there is one", "schema": {"type": "string"}},
}


def paged(description: str = "One page of the list, in order") -> dict[int | str, dict[str, Any]]:
    """`responses=` entry documenting a paged list's 200 and its next-page headers."""
    return {200: {"description": description, "headers": PAGED_HEADERS}}
