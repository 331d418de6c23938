"""Fixed-window rate limits kept in PostgreSQL, so every gateway instance shares them."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.problems import Problem


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


async def hit(session: AsyncSession, key: str, *, limit: int, window_s: int) -> None:
    """Count one request under `key`; past `limit` in the window, a 429 with Retry-After."""
    now = clock.now()
    start = datetime.fromtimestamp(now.timestamp() // window_s * window_s, UTC)
    count = (await session.execute(text("""
        INSERT INTO gateway.rate_counters (key, window_start, count) VALUES (:k, :w, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = gateway.rate_counters.count + 1
        RETURNING count
    """), {"k": key, "w": start})).scalar_one()
    if count > limit:
        wait = int(start.timestamp() + window_s - now.timestamp()) + 1
        raise TooManyRequests(f"操作过于频繁，请 {wait} 秒后再试 (too many requests; retry in {wait} s)",
                              headers={"Retry-After": str(wait)})


def client_ip(request: Request) -> str:
    """The peer's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return request.client.host if request.client else "unknown"
