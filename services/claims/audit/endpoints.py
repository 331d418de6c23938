from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from kit import clock
from kit.callers import allow
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.problems import Unprocessable, problem_responses
from services.claims import paging
from services.claims.audit import repository
from services.claims.audit.schemas import AuditEventOut
from services.claims.intake import access

router = APIRouter(prefix="/v1/audit", tags=["audit"])
AUDITORS = ("admin", "senior_reviewer")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # the platform's records fall between
DayFrom = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="first China day, inclusive")]
DayTo = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description="last China day, inclusive")]


@router.get("/events", response_model=list[AuditEventOut], operation_id="search_audit",
            summary="The claims audit log, newest first: by person, claim (id or reference), action and China dates",
            description="Every state change, unmasked view and document opened. Admin searches every province "
                        "(or one, with `province`); a senior reviewer their own. Pages with `limit` and `cursor`.",
            responses=problem_responses(401, 403, 422), dependencies=[allow(staff=AUDITORS)])
async def search_audit(
    request: Request, response: Response, caller: CallerDep, session: SessionDep,
    actor: Annotated[str | None, Query(max_length=128, description="username of the person")] = None,
    claim_id: uuid.UUID | None = None,
    reference: Annotated[str | None, Query(max_length=32)] = None,
    action: Annotated[str | None, Query(max_length=48, examples=["viewed_unmasked"])] = None,
    date_from: DayFrom = None, date_to: DayTo = None,
    province: access.ProvinceQuery = None,
    limit: paging.LimitQuery = paging.DEFAULT_LIMIT, cursor: paging.CursorQuery = None,
) -> list[AuditEventOut]:
    province = access.listed_province(caller, province)
    if date_from and date_to and date_to < date_from:
        raise Unprocessable("结束日期不能早于开始日期 (date_to is before date_from)", field="date_to")
    filters = repository.AuditFilters(
        province=province, actor=actor, claim_id=claim_id, reference=reference, action=action,
        since=clock.day_bounds(date_from)[0] if date_from else None,
        before=clock.day_bounds(date_to)[1] if date_to else None)
    before_id = paging.decode(cursor, lambda position: paging.bigint(position[0]))
    rows, after = await repository.search(session, filters, before_id, limit)
    paging.set_next(request, response, [after] if after is not None else None)
    own = [name for name in AuditEventOut.model_fields if name not in ("reference", "province")]
    return [AuditEventOut(**{name: getattr(e, name) for name in own}, reference=ref, province=prov)
            for e, ref, prov in rows]
