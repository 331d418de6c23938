"""/healthz: the process answers. /readyz: it can reach its database (else 503)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from kit.problems import problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz", summary="Process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz", operation_id="readyz", summary="Database reachable",
    responses={503: {"description": "Database not reachable"}},
)
async def readyz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        async with asyncio.timeout(2):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; the reason goes into the body
        return problem_response(
            503, "Not ready", slug="not-ready", detail=f"database: {type(exc).__name__}",
            headers={"Retry-After": "2"},
        )
    return JSONResponse({"status": "ready"})
