from __future__ import annotations

from fastapi import FastAPI

import services.entitlement as package
from kit.app import build_app, service_lifespan
from kit.identity import whoami_router
from services.entitlement import rules
from services.entitlement.certificates.endpoints import router as certificates_router
from services.entitlement.holds.endpoints import router as holds_router
from services.entitlement.me.endpoints import router as me_router
from services.entitlement.quotes.endpoints import router as quotes_router
from services.entitlement.registry.endpoints import router as registry_router
from services.entitlement.rulesets.endpoints import router as rulesets_router
from services.entitlement.settings import Settings

SCHEMA = "entitlement"


def create_app(settings: Settings) -> FastAPI:
    async def load_rules(app: FastAPI) -> None:
        # An invalid rule set file refuses to start the service, naming the file and field.
        app.state.rule_sets = rules.load_rule_sets(settings.rule_sets_dir or rules.SHIPPED_DATA_DIR)

    app = build_app(
        title="血费减免 entitlement service",
        description=package.__doc__ or "",
        lifespan=service_lifespan(settings, schema=SCHEMA, on_start=load_rules),
        own_idempotency=("/v1/holds",),  # a hold's key is its identity: a lapsed hold is never replayed as placed
    )
    for router in (registry_router, quotes_router, me_router, holds_router, rulesets_router, certificates_router,
                   whoami_router):
        app.include_router(router)
    return app


def app_from_env() -> FastAPI:
    return create_app(Settings())
