"""What waits to go to partners, and what failed for good (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kit.db import SessionDep
from kit.problems import problem_responses
from services.interop.access import ADMIN
from services.interop.outbox.models import OutboundMessage

router = APIRouter(prefix="/v1", tags=["outbound"], dependencies=[ADMIN])


class OutboundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    message_id: str
    partner_code: str
    case_key: str
    kind: str
    method: str
    path: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    reply: dict[str, Any] | None
    created_at: datetime
    delivered_at: datetime | None


@router.get("/outbox", response_model=list[OutboundOut], operation_id="interop_outbox",
            summary="Messages to partners: pending, uncertain (asked before resending), delivered, failed",
            responses=problem_responses(401, 403, 422))
async def outbox(session: SessionDep, partner: Annotated[str | None, Query(max_length=32)] = None,
                 state: Annotated[str | None, Query(pattern="^(pending|uncertain|delivered|failed)$")] = None,
                 case_key: Annotated[str | None, Query(max_length=160)] = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[OutboundOut]:
    stmt = select(OutboundMessage).order_by(OutboundMessage.seq.desc()).limit(limit)
    if partner:
        stmt = stmt.where(OutboundMessage.partner_code == partner)
    if state:
        stmt = stmt.where(OutboundMessage.state == state)
    if case_key:
        stmt = stmt.where(OutboundMessage.case_key == case_key)
    return [OutboundOut.model_validate(r) for r in (await session.execute(stmt)).scalars()]
