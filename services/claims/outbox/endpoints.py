from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from kit.db import SessionDep
from kit.identity import require_roles
from kit.paging import PagingDep, paged
from kit.problems import problem_responses
from services.claims.outbox.models import SentNotification

router = APIRouter(prefix="/v1/sandbox", tags=["sandbox"])


class NotificationOut(BaseModel):
    claim_id: uuid.UUID
    recipient: str
    template: str
    text: str


@router.get("/notifications", response_model=list[NotificationOut], operation_id="sandbox_notifications",
            summary="SANDBOX: messages the sandbox sender recorded instead of sending (admin)",
            responses={**paged(), **problem_responses(401, 403, 422)}, dependencies=[require_roles("admin")])
async def notifications(session: SessionDep, page: PagingDep,
                        claim_id: Annotated[uuid.UUID | None, Query()] = None) -> list[NotificationOut]:
    stmt = select(SentNotification)
    if claim_id is not None:
        stmt = stmt.where(SentNotification.claim_id == claim_id)
    found = await page.fetch(session, stmt, [SentNotification.sent_at, SentNotification.id])
    return [NotificationOut.model_validate(n, from_attributes=True) for n in found]
