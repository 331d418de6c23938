from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from kit import clock
from kit.callers import allow, province_scope
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import problem_responses
from services.entitlement.certificates import service
from services.entitlement.quotes.service import no_donor
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import CERT_CONTEXT
from services.entitlement.registry.schemas import CertificateLookup

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])


@router.post(
    "/lookup", operation_id="certificate_lookup",
    summary="A donor's e-certificate: donations, honours, remaining quotas per donation province",
    description="The certificate number travels in the body, never in a URL or a log line. Staff see the "
                "donations of their own province only (admin: all); none there is a 404, as for an unknown ID.",
    responses=problem_responses(401, 403, 404, 422),
    dependencies=[allow(staff=("station_operator", "reviewer", "senior_reviewer", "admin"))],
)
async def certificate_lookup(body: CertificateLookup, request: Request, caller: CallerDep,
                             session: SessionDep) -> dict[str, Any]:
    state = request.app.state
    donor = await registry.donor_by_cert(session, body.cert_type,
                                         state.blind_index.digest(body.cert_number, context=CERT_CONTEXT))
    if donor is None:
        raise no_donor("cert_number")
    return await service.certificate(session, donor, rule_sets=state.rule_sets, today=clock.today(),
                                     province=province_scope(caller))
