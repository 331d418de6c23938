from __future__ import annotations

import asyncio
import contextlib

import httpx
from fastapi import FastAPI

import services.interop as package
from kit import http
from kit.app import build_app, service_lifespan
from kit.callers import whoami_router
from services.interop import metrics
from services.interop.evidence.endpoints import router as evidence_router
from services.interop.exchanges import claims_in, claims_out, lookups, reductions
from services.interop.inbound.endpoints import router as messages_router
from services.interop.outbox.endpoints import router as outbox_router
from services.interop.partners.endpoints import router as partners_router
from services.interop.settings import Settings
from services.interop.statements import endpoints as statements

SCHEMA = "interop"


def create_app(settings: Settings, *, transports: dict[str, httpx.AsyncBaseTransport] | None = None) -> FastAPI:
    """`transports` lets tests put in-process peers (and partners) behind the real clients."""

    async def start(app: FastAPI) -> None:
        if app.state.service_signer is None:
            raise RuntimeError("INTEROP_SERVICE_PRIVATE_KEY is not set: interop calls its peers as itself")
        metrics.register(app)
        t = transports or {}
        app.state.peers_http = {
            name: http.make_client(url, timeout_s=settings.downstream_timeout_s, transport=t.get(name))
            for name, url in (("claims", settings.claims_url), ("entitlement", settings.entitlement_url),
                              ("payments", settings.payments_url))}
        # Partners are reached at their own base URLs; tests may route them in-process.
        app.state.partner_transport = t.get("partners")
        app.state.delivery_task = None
        if settings.outbox_enabled:
            from services.interop.outbox import deliver

            app.state.delivery_task = asyncio.create_task(deliver.run_forever(app))

    async def stop(app: FastAPI) -> None:
        task = getattr(app.state, "delivery_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for client in getattr(app.state, "peers_http", {}).values():
            await client.aclose()

    app = build_app(
        title="血费减免 interop service",
        description=package.__doc__ or "",
        lifespan=service_lifespan(settings, schema=SCHEMA, on_start=start, on_stop=stop),
        # A partner's message is made once by its signed message id (the evidence log), never by an
        # Idempotency-Key: the partner API is left alone by the middleware.
        own_idempotency=("/interop/v1/",),
    )
    for router in (partners_router, evidence_router, messages_router, lookups.inbound, lookups.outbound,
                   claims_in.router, claims_out.router, reductions.inbound, reductions.local_router,
                   statements.inbound, statements.router, outbox_router, whoami_router):
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
