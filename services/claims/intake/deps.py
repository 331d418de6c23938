"""Request-scoped helpers shared by the claims routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from kit.db import SessionDep
from kit.identity import CallerDep
from services.claims.intake import access, repository
from services.claims.intake.models import Claim


async def readable_claim(claim_id: uuid.UUID, request: Request, caller: CallerDep, session: SessionDep) -> Claim:
    claim = await repository.get(session, claim_id, for_update=request.method != "GET")
    return access.visible_claim(claim, caller)


ClaimDep = Annotated[Claim, Depends(readable_claim)]

