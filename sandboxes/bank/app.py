"""The bank sandbox app: `create_app(settings)`, or `app_from_env()` (BANK_SANDBOX_* variables)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandboxes.bank import api, controls
from sandboxes.bank.faults import Faults
from sandboxes.bank.ledger import Ledger
from sandboxes.bank.settings import SandboxSettings

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>银行沙箱 BANK SANDBOX</title>
</head><body style="font-family: sans-serif"><h1>银行沙箱 BANK SANDBOX — 不是真实银行, not a real bank</h1>
<p>No money moves here. It plays the bank behind the payments service for development and tests.</p>
<ul><li>account numbers ending in <b>{bounce}</b>: accepted, then returned (账户不存在)</li>
<li>ending in <b>{reject}</b>: rejected at once (账户冻结)</li>
<li>others: settled after {delay} s</li></ul>
<p>API: <code>POST /api/transfers</code>, <code>GET /api/transfers/{{no}}</code>,
<code>GET /api/statements/{{date}}</code>. Controls: <code>/sandbox/ledger</code>,
<code>/sandbox/faults</code>, <code>/sandbox/settle</code>, <code>/sandbox/statement-overrides</code>,
<code>/sandbox/reset</code>. <a href="/docs">/docs</a></p></body></html>"""


class SandboxHeader:
    """Every answer says it comes from a sandbox, so nobody mistakes it for a bank."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-sandbox"]
                message["headers"] = [*headers, (b"x-sandbox", b"bank")]
            await send(message)

        await self.app(scope, receive, tagged if scope["type"] == "http" else send)


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    settings = settings or SandboxSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def settle_forever() -> None:
            # Settle on time even when nobody asks; reads also settle what is due first.
            while True:
                await asyncio.sleep(max(0.05, min(1.0, settings.settle_delay_s / 4)))
                await app.state.ledger.settle()

        task = asyncio.create_task(settle_forever())
        try:
            yield
        finally:
            app.state.faults.clear()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="银行沙箱 BANK SANDBOX (not a real bank)", version="1.0.0", lifespan=lifespan,
                  description=__doc__ or "")
    app.state.settings = settings
    app.state.ledger = Ledger(settings)
    app.state.faults = Faults()
    app.add_middleware(SandboxHeader)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return JSONResponse({"code": "INVALID_REQUEST", "message": f"invalid fields: {fields}"}, status_code=422)

    @app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE.format(bounce=settings.bounce_suffix, reject=settings.reject_suffix,
                                        delay=settings.settle_delay_s))

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, object]:
        return {"status": "ok", "sandbox": "bank"}

    app.include_router(api.router)
    app.include_router(controls.router)
    return app


def app_from_env() -> FastAPI:
    return create_app(SandboxSettings())
