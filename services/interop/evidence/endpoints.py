"""The evidence log, per partner and period, for a dispute (admin and finance)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import Unprocessable, problem_responses
from services.interop.access import FINANCE, sees_platform
from services.interop.evidence import service

router = APIRouter(prefix="/v1", tags=["evidence"], dependencies=[FINANCE])


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    direction: str
    kind: str
    partner_code: str | None
    message_id: str | None
    in_reply_to: str | None
    method: str | None
    target_uri: str | None
    status: int | None
    content_digest: str | None
    request_digest: str | None
    signature_input: str | None
    signature: str | None
    key_id: str | None
    outcome: str
    detail: str | None


@router.get("/evidence", response_model=list[EvidenceOut], operation_id="export_evidence",
            summary="Every message in and out with its signature, digest, time and outcome, oldest first",
            description="Entries are append-only. Bodies are kept encrypted and not exported here; the digests "
                        "and signatures prove what was exchanged.",
            responses=problem_responses(401, 403, 422))
async def export_evidence(request: Request, caller: CallerDep, session: SessionDep, date_from: date, date_to: date,
                          partner: Annotated[str | None, Query(max_length=32)] = None,
                          message_id: Annotated[str | None, Query(max_length=64)] = None) -> list[EvidenceOut]:
    if date_to < date_from:
        raise Unprocessable("date_to is before date_from", field="date_to")
    if not sees_platform(caller, request.app.state.settings.provinces):
        return []  # another province's finance: this platform's exchanges are not theirs
    rows = await service.export(session, partner, date_from, date_to)
    if message_id:
        rows = [r for r in rows if message_id in (r.message_id, r.in_reply_to)]
    return [EvidenceOut.model_validate(r) for r in rows]
