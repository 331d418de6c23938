"""The floor: the least an HTTP endpoint on our stack can cost. Same framework and server as the
services (FastAPI on uvicorn, started by `stack.processes.uvicorn_child` with the services' command
line), one raw asyncpg primary-key read of a donor per request, no ORM, no auth, no logging.

A quote is judged against it (bench/README.md): the same load client and client counts drive both.
Run as `uvicorn --factory bench.floor:app_from_env` with FLOOR_DSN (an asyncpg DSN) and
FLOOR_POOL_SIZE (default 15, the services' pool of 5 plus 10 overflow).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, HTTPException, Request

QUERY = "SELECT id, name, province, cert_number_masked FROM entitlement.donors WHERE id = $1"


def create_app(dsn: str, pool_size: int) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # min_size = max_size: every connection opened at start, none during the run.
        app.state.pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="bench floor", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.get("/donors/{donor_id}")
    async def donor(donor_id: uuid.UUID, request: Request) -> dict[str, str]:
        row = await request.app.state.pool.fetchrow(QUERY, donor_id)
        if row is None:
            raise HTTPException(404)
        return {"id": str(row["id"]), "name": row["name"], "province": row["province"],
                "cert_number_masked": row["cert_number_masked"]}

    return app


def app_from_env() -> FastAPI:
    return create_app(os.environ["FLOOR_DSN"], int(os.environ.get("FLOOR_POOL_SIZE", "15")))
