from __future__ import annotations

from fastapi import FastAPI

import services.entitlement as package
from kit.app import build_app, freeze_after_start, service_lifespan
from kit.backfill import backfill
from kit.callers import whoami_router
from services.entitlement import rules
from services.entitlement.certificates.endpoints import router as certificates_router
from services.entitlement.holds.endpoints import router as holds_router
from services.entitlement.holds.models import Hold
from services.entitlement.holds.service import seal_legacy_quote
from services.entitlement.me.endpoints import router as me_router
from services.entitlement.quotes.endpoints import router as quotes_router
from services.entitlement.registry.endpoints import router as registry_router
from services.entitlement.registry.models import Donor
from services.entitlement.registry.service import fill_person_index
from services.entitlement.rulesets.endpoints import router as rulesets_router
from services.entitlement.settings import Settings

SCHEMA = "entitlement"


def create_app(settings: Settings) -> FastAPI:
    async def start(app: FastAPI) -> None:
        # An invalid rule set file refuses to start the service, naming the file and field.
        app.state.rule_sets = rules.load_rule_sets(settings.rule_sets_dir or rules.SHIPPED_DATA_DIR)
        if app.state.person_index is None:
            raise RuntimeError("ENTITLEMENT_IDENTITY_INDEX_KEY is not set: signed-in donors could not be matched")
        cipher, sessions = app.state.cipher, app.state.sessionmaker
        await backfill(sessions, Donor, Donor.person_index.is_(None),
                       lambda d: fill_person_index(d, cipher, app.state.person_index))
        await backfill(sessions, Hold, Hold.quote_encrypted.is_(None), lambda h: seal_legacy_quote(h, cipher))

    app = build_app(
        title="血费减免 entitlement service",
        description=package.__doc__ or "",
        lifespan=service_lifespan(settings, schema=SCHEMA, on_start=start),
        own_idempotency=("/v1/holds",),  # a hold's key is its identity: a lapsed hold is never replayed as placed
    )
    for router in (registry_router, quotes_router, me_router, holds_router, rulesets_router, certificates_router,
                   whoami_router):
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    return freeze_after_start(create_app(Settings()))
