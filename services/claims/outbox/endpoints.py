from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from kit.callers import allow
from kit.db import SessionDep
from services.claims.outbox.models import SentNotification

router = APIRouter(prefix="/v1/sandbox", tags=["sandbox"])


class NotificationOut(BaseModel):
    claim_id: uuid.UUID
    recipient: str
    template: str
    text: str


@router.get("/notifications", response_model=list[NotificationOut], operation_id="sandbox_notifications",
            summary="SANDBOX: messages the sandbox sender recorded instead of sending (admin)",
            dependencies=[allow(staff=("admin",))])
async def notifications(session: SessionDep,
                        claim_id: Annotated[uuid.UUID | None, Query()] = None) -> list[NotificationOut]:
    stmt = select(SentNotification).order_by(SentNotification.sent_at)
    if claim_id is not None:
        stmt = stmt.where(SentNotification.claim_id == claim_id)
    return [NotificationOut.model_validate(n, from_attributes=True) for n in (await session.execute(stmt)).scalars()]
