"""Partner API routes that are about messages themselves."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from kit.problems import NotFound, problem_responses
from services.interop.access import PARTNER_API
from services.interop.inbound import replies
from services.interop.inbound.route import AdmittedDep, SignedRoute

router = APIRouter(prefix="/interop/v1", tags=["partner-api"], route_class=SignedRoute, dependencies=[PARTNER_API])
PARTNER_ERRORS = problem_responses(401, 409, 413, 422, 503)
# Routes about one object (a document, a case, a notice): it may not exist (or the path names none).
PARTNER_OBJECT_ERRORS = PARTNER_ERRORS | problem_responses(404)


class EarlierAnswer(BaseModel):
    message_id: str
    status: int
    reply: Any


@router.get("/messages/{message_id}", response_model=EarlierAnswer, operation_id="partner_earlier_answer",
            summary="What we answered to one of your messages (ask before resending after a timeout)",
            description="404 when the message never arrived or is still being processed: then resend it with "
                        "the same message id.",
            responses=PARTNER_ERRORS | problem_responses(404))
async def earlier_answer(message_id: str, request: Request, admitted: AdmittedDep) -> EarlierAnswer:
    async with request.app.state.sessionmaker() as session:
        found = await replies.answered(session, admitted.partner_code, message_id)
    if found is None:
        raise NotFound(f"没有收到消息 {message_id} (no answered message with this id)")
    try:
        reply = json.loads(found.body) if found.body else None
    except ValueError:
        reply = found.body.decode("utf-8", "replace")
    return EarlierAnswer(message_id=message_id, status=found.status, reply=reply)
