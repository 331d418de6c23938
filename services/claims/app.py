from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import services.claims as package
from kit import http
from kit.app import build_app, service_lifespan
from kit.backfill import backfill
from kit.callers import whoami_router
from kit.crypto import BlindIndex, FieldCipher
from kit.outbox import OutboxPolicy
from services.claims import metrics
from services.claims.audit.endpoints import router as audit_router
from services.claims.calendar.endpoints import router as calendar_router
from services.claims.clients.entitlement import EntitlementClient
from services.claims.clients.interop import InteropClient
from services.claims.crossprovince.endpoints import router as crossprovince_router
from services.claims.dashboard.endpoints import router as dashboard_router
from services.claims.documents.endpoints import router as documents_router
from services.claims.documents.sealed import SealedDocuments
from services.claims.documents.storage import LocalDocumentStorage
from services.claims.hospitals.endpoints import router as hospitals_router
from services.claims.intake import usage as claim_usage
from services.claims.intake.endpoints import router as intake_router
from services.claims.intake.models import Claim
from services.claims.intake.service import fill_person_index
from services.claims.invoices import backfill as invoice_backfill
from services.claims.locks.endpoints import router as locks_router
from services.claims.outbox import deliver
from services.claims.outbox.endpoints import ops_router as outbox_router
from services.claims.outbox.endpoints import router as sandbox_router
from services.claims.reductions import usage as notice_usage
from services.claims.reductions.endpoints import router as reductions_router
from services.claims.reductions.models import ReductionNotice
from services.claims.review.alarms import router as alarms_router
from services.claims.review.endpoints import router as review_router
from services.claims.settings import Settings
from services.claims.simulations.endpoints import router as simulations_router
from services.claims.worklist.endpoints import router as worklist_router

SCHEMA = "claims"


async def backfills(sessions: async_sessionmaker[AsyncSession], cipher: FieldCipher, persons: BlindIndex) -> None:
    """Rows from before this release: person indexes, encrypted blood-use data (kit.backfill) and
    the donors of the invoice uses the registry's migration wrote."""
    await backfill(sessions, Claim, Claim.donor_person_index.is_(None), lambda c: fill_person_index(c, cipher, persons))
    await backfill(sessions, Claim, Claim.usage_encrypted.is_(None), lambda c: claim_usage.seal_legacy(c, cipher))
    await backfill(sessions, ReductionNotice, ReductionNotice.items_encrypted.is_(None),
                   lambda n: notice_usage.seal_legacy(n, cipher))
    await invoice_backfill.complete_uses(sessions, cipher, persons)  # the invoice registry's first uses


def create_app(settings: Settings, *, transports: dict | None = None) -> FastAPI:  # type: ignore[type-arg]
    """`transports` lets tests put in-process peers behind the real clients."""

    async def start(app: FastAPI) -> None:
        if app.state.service_signer is None:
            raise RuntimeError("CLAIMS_SERVICE_PRIVATE_KEY is not set: claims calls its peers as itself")
        if app.state.person_index is None:
            raise RuntimeError("CLAIMS_IDENTITY_INDEX_KEY is not set: signed-in donors could not be matched")
        await backfills(app.state.sessionmaker, app.state.cipher, app.state.person_index)
        app.state.documents = SealedDocuments(LocalDocumentStorage(settings.documents_dir), app.state.cipher)
        metrics.register(app)
        app.state.entitlement_http = http.make_client(settings.entitlement_url, timeout_s=settings.downstream_timeout_s,
                                                      transport=(transports or {}).get("entitlement"))
        app.state.payments_http = http.make_client(settings.payments_url, timeout_s=settings.downstream_timeout_s,
                                                   transport=(transports or {}).get("payments"))
        app.state.entitlement = EntitlementClient(app.state.entitlement_http, app.state.service_signer)
        app.state.interop_http, app.state.interop = None, None
        if settings.interop_url or "interop" in (transports or {}):
            app.state.interop_http = http.make_client(settings.interop_url or "http://interop.test",
                                                      timeout_s=settings.downstream_timeout_s,
                                                      transport=(transports or {}).get("interop"))
            app.state.interop = InteropClient(app.state.interop_http, app.state.service_signer)
        app.state.peers = deliver.Peers(entitlement=app.state.entitlement_http, payments=app.state.payments_http,
                                        interop=app.state.interop_http,
                                        signer=app.state.service_signer, cipher=app.state.cipher)
        app.state.outbox_policy = OutboxPolicy(max_attempts=settings.outbox_max_attempts,
                                               base_s=settings.outbox_retry_base_s, cap_s=settings.outbox_retry_cap_s)
        app.state.outbox_task = None
        if settings.outbox_enabled:
            app.state.outbox_task = asyncio.create_task(deliver.run_forever(
                app.state.sessionmaker, app.state.peers, settings.outbox_poll_s, app.state.outbox_policy,
                settings.outbox_batch_size))

    async def stop(app: FastAPI) -> None:
        task = getattr(app.state, "outbox_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for name in ("entitlement_http", "payments_http", "interop_http"):
            if (client := getattr(app.state, name, None)) is not None:
                await client.aclose()

    app = build_app(
        title="血费减免 claims service",
        description=package.__doc__ or "",
        lifespan=service_lifespan(settings, schema=SCHEMA, on_start=start, on_stop=stop),
    )
    for router in (intake_router, documents_router, review_router, calendar_router, hospitals_router,
                   reductions_router, simulations_router, sandbox_router, outbox_router, alarms_router,
                   worklist_router, locks_router, audit_router, dashboard_router, crossprovince_router,
                   whoami_router):
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
