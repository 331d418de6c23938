from __future__ import annotations

import httpx
from fastapi import FastAPI

import services.payments as package
from kit.app import build_app, service_lifespan
from kit.callers import whoami_router
from services.payments import metrics
from services.payments.channels import registry
from services.payments.disbursements.alarms import router as alarms_router
from services.payments.disbursements.endpoints import router as disbursements_router
from services.payments.outbox.endpoints import router as outbox_router
from services.payments.reconciliation.endpoints import router as reconciliation_router
from services.payments.settings import Settings

SCHEMA = "payments"


def create_app(settings: Settings, *, bank_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """`bank_transport` lets tests put an in-process bank sandbox behind the real channel client."""

    async def open_channels(app: FastAPI) -> None:
        app.state.channels = registry.build_channels(settings, bank_transport=bank_transport)
        app.state.enabled_channels = registry.enabled(app.state.channels)
        metrics.register(app)

    async def close_channels(app: FastAPI) -> None:
        await registry.close_all(getattr(app.state, "channels", {}))

    app = build_app(
        title="血费减免 payments service",
        description=package.__doc__ or "",
        lifespan=service_lifespan(settings, schema=SCHEMA, on_start=open_channels, on_stop=close_channels),
        # A disbursement's key is part of it: replays compare what is paid to whom (card spaces and the
        # order of funding lines do not matter), and one source has one live disbursement whatever the key.
        own_idempotency=("/v1/disbursements",),
    )
    for router in (disbursements_router, reconciliation_router, outbox_router, alarms_router, whoami_router):
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
