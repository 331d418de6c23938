from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from kit import clock
from kit.db import SessionDep
from kit.identity import require_roles
from kit.problems import problem_responses
from services.entitlement.certificates import service
from services.entitlement.registry.schemas import CertificateLookup

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])


@router.post(
    "/lookup", operation_id="certificate_lookup",
    summary="A donor's e-certificate: donations, honours, remaining quotas per donation province",
    description="The certificate number travels in the body, never in a URL or a log line.",
    responses=problem_responses(401, 403, 404, 422),
    dependencies=[require_roles("station_operator", "reviewer", "senior_reviewer", "admin")],
)
async def certificate_lookup(body: CertificateLookup, request: Request, session: SessionDep) -> dict[str, Any]:
    state = request.app.state
    return await service.certificate(session, body.cert_type, body.cert_number, rule_sets=state.rule_sets,
                                     index=state.blind_index, today=clock.today())
