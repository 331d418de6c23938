"""Cursor paging of the claims service's newer lists, in the agreed shape: a JSON array, `limit`
(default 50, at most 200) and an opaque `cursor`; when more rows exist, `Link: <next>; rel="next"`
and `X-Next-Cursor`. Keyset, not offset: a page does not shift when rows are added before it.

The Link target is a query-only reference, resolved against the request's own URL, so it is right
both on the service and through the gateway, which forwards the header unchanged.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from kit.problems import Unprocessable

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows per page")]
CursorQuery = Annotated[str | None, Query(max_length=200, description="from `X-Next-Cursor` of the previous page")]


def bigint(value: Any) -> int:
    """An integer of a cursor that PostgreSQL's bigint can hold; ValueError otherwise."""
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise ValueError("out of range")
    return number


def instant(value: Any) -> datetime:
    """An aware timestamp of a cursor, in the years the platform's rows have; ValueError otherwise."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or not 2000 <= moment.year <= 2100:
        raise ValueError("not a row's time")
    return moment


def encode(position: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, parse: Callable[[list[Any]], T]) -> T | None:
    """The position a cursor names, through `parse` (which may raise on anything it does not expect)."""
    if not cursor:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(position, list):
            raise ValueError("not a position")
        return parse(position)
    except (ValueError, TypeError, IndexError):
        raise Unprocessable("cursor 无效，请从第一页重新开始 (cursor is not valid: start again from the first page)",
                            field="cursor") from None


def set_next(request: Request, response: Response, position: list[Any] | None) -> None:
    if position is None:
        return
    cursor = encode(position)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"] + [("cursor", cursor)]
    response.headers["X-Next-Cursor"] = cursor
    response.headers["Link"] = f'<?{urlencode(params)}>; rel="next"'
