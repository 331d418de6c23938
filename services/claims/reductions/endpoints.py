from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from kit.callers import allow, province_scope
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import NotFound, problem_responses
from services.claims import paging
from services.claims.hospitals.models import Hospital
from services.claims.intake import access
from services.claims.reductions import pdf, service, statements, usage
from services.claims.reductions.models import HospitalStatement
from services.claims.reductions.schemas import CorrectionIn, NoticeIn, NoticeOut, SettlementIn, StatementIn

router = APIRouter(prefix="/v1", tags=["direct reduction"])
# Notices belong to the issuing hospital: its system (his) or its operator on the ops surface.
HOSPITAL = allow(hospital=True, staff=("hospital_operator",))
# Statements: the hospital, and the finance officers of its province (admin: all).
STATEMENT_READERS = allow(hospital=True, staff=("hospital_operator", "finance", "admin"))
FINANCE = allow(staff=("finance", "admin"))
MonthQuery = Annotated[str, Query(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$", description="e.g. 2026-10")]


class CancelIn(BaseModel):
    reason: str = Field("患者未使用减免", max_length=500)


class StatementRow(BaseModel):
    id: uuid.UUID
    hospital_code: str
    hospital_name: str
    province: str
    district_office: str
    period: str
    status: str
    late: bool
    total_fen: int
    reduction_count: int
    filed_at: datetime
    approved_by: str | None
    approved_at: datetime | None


class StatementOut(BaseModel):
    id: uuid.UUID
    hospital_code: str
    period: str
    status: str
    late: bool
    total_fen: int
    reduction_count: int
    funding: list[dict[str, object]]
    message: str | None = None
    payment_error: str | None = Field(None, description="payment_failed: the bank's reason; paid again once "
                                                        "the hospital's account is corrected")


def _deps(request: Request) -> service.NoticeDeps:
    state = request.app.state
    return service.NoticeDeps(sessionmaker=state.sessionmaker, entitlement=state.entitlement, cipher=state.cipher,
                              persons=state.person_index, valid_days=state.settings.notice_valid_days,
                              guard_grace_s=state.settings.hold_guard_grace_s, interop=state.interop)


def _statement_out(s: HospitalStatement) -> StatementOut:
    message = "逾期申请：已登记，由区献血办审核后支付 (filed after the 10th: the office reviews it)" if s.late else None
    return StatementOut(id=s.id, hospital_code=s.hospital_code, period=s.period, status=s.status, late=s.late,
                        total_fen=s.total_fen, reduction_count=s.reduction_count, funding=s.funding, message=message,
                        payment_error=s.payment_error)


@router.post("/reduction-notices", response_model=NoticeOut, operation_id="issue_reduction_notice",
             summary="减免通知单: quote and hold the quota for a patient before discharge",
             description="A patient with no entitlement gets `eligible: false` and the reason (HTTP 200), not an error.",
             responses=problem_responses(401, 403, 409, 422, 503),
             dependencies=[HOSPITAL])
async def issue_notice(body: NoticeIn, request: Request, caller: CallerDep, session: SessionDep) -> NoticeOut:
    await session.rollback()  # issuing runs its own transactions around the entitlement call
    return await service.issue(body, caller, _deps(request))


# The .pdf route first: `{notice_no}` alone would also match "JM...pdf".
@router.get("/reduction-notices/{notice_no}.pdf", operation_id="reduction_notice_pdf", response_class=Response,
            summary="The printable notice (PDF, QR code with the notice number)", responses=problem_responses(401, 404),
             dependencies=[HOSPITAL])
async def notice_pdf(notice_no: str, request: Request, caller: CallerDep, session: SessionDep) -> Response:
    notice = await service.notice_of(session, notice_no, caller)
    hospital = await session.get(Hospital, notice.hospital_code)
    cipher = request.app.state.cipher
    return Response(pdf.notice_pdf(notice, hospital.name if hospital else notice.hospital_code,
                                   usage.items_of(notice, cipher),
                                   list(usage.quote_of(notice, cipher).get("explanation", []))),
                    media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{notice_no}.pdf"'})


@router.get("/reduction-notices/{notice_no}", response_model=NoticeOut, operation_id="get_reduction_notice",
            summary="One notice (the issuing hospital only)", responses=problem_responses(401, 403, 404),
             dependencies=[HOSPITAL])
async def get_notice(notice_no: str, request: Request, caller: CallerDep, session: SessionDep) -> NoticeOut:
    return service.out(await service.notice_of(session, notice_no, caller), request.app.state.cipher)


@router.post("/reduction-notices/{notice_no}/cancel", response_model=NoticeOut, operation_id="cancel_reduction_notice",
             summary="Cancel: the held quota returns", responses=problem_responses(401, 403, 404, 409),
             dependencies=[HOSPITAL])
async def cancel_notice(notice_no: str, body: CancelIn, request: Request, caller: CallerDep,
                        session: SessionDep) -> NoticeOut:
    return service.out(await service.cancel(session, notice_no, caller, body.reason), request.app.state.cipher)


@router.post("/reduction-notices/{notice_no}/settlement", response_model=NoticeOut, operation_id="settle_reduction",
             summary="Settlement at discharge: the reduction taken off the bill; idempotent by receipt number",
             responses=problem_responses(401, 403, 404, 409, 422),
             dependencies=[HOSPITAL])
async def settle(notice_no: str, body: SettlementIn, request: Request, caller: CallerDep,
                 session: SessionDep) -> NoticeOut:
    state = request.app.state
    return service.out(await service.settle(session, notice_no, body, caller, cipher=state.cipher,
                                            persons=state.person_index), state.cipher)


@router.post("/reduction-notices/{notice_no}/correction", response_model=NoticeOut, operation_id="correct_reduction",
             summary="A refunded bill after settlement: reverse the consumption (audited)",
             responses=problem_responses(401, 403, 404, 409, 422),
             dependencies=[HOSPITAL])
async def correct(notice_no: str, body: CorrectionIn, request: Request, caller: CallerDep,
                  session: SessionDep) -> NoticeOut:
    return service.out(await service.correct(session, notice_no, body, caller), request.app.state.cipher)


@router.post("/hospital-settlements", response_model=StatementOut, status_code=201, operation_id="file_settlement",
             summary="File the settlement request for a past month (military: half year)",
             responses=problem_responses(401, 403, 404, 409, 422),
             dependencies=[HOSPITAL])
async def file_settlement(body: StatementIn, request: Request, caller: CallerDep, session: SessionDep) -> StatementOut:
    return _statement_out(await statements.file(session, service.hospital_of(caller), body.period, caller,
                                                request.app.state.cipher))


@router.get("/hospital-settlements", response_model=list[StatementRow], operation_id="list_settlements",
            summary="Settlement statements, newest filed first (finance of the hospitals' province; admin all)",
            description="`status=filed` is what waits for approval. Pages with `limit` and `cursor`.",
            responses=problem_responses(401, 403, 422), dependencies=[FINANCE])
async def list_settlements(
    request: Request, response: Response, caller: CallerDep, session: SessionDep,
    status: Annotated[str | None, Query(pattern=r"^(filed|approved|paid)$")] = None,
    hospital_code: Annotated[str | None, Query(max_length=32)] = None,
    province: access.ProvinceQuery = None,
    limit: paging.LimitQuery = paging.DEFAULT_LIMIT, cursor: paging.CursorQuery = None,
) -> list[StatementRow]:
    after = paging.decode(cursor, lambda p: (paging.instant(p[0]), uuid.UUID(p[1])))
    rows, position = await statements.listed(session, province=access.listed_province(caller, province),
                                             hospital_code=hospital_code, status=status, after=after, limit=limit)
    paging.set_next(request, response, position)
    return [StatementRow(id=s.id, hospital_code=s.hospital_code, hospital_name=h.name, province=h.province,
                         district_office=h.district_office, period=s.period, status=s.status, late=s.late,
                         total_fen=s.total_fen, reduction_count=s.reduction_count, filed_at=s.filed_at,
                         approved_by=s.approved_by, approved_at=s.approved_at) for s, h in rows]


async def _statement(session: SessionDep, statement_id: uuid.UUID, caller: CallerDep) -> HospitalStatement:
    """A statement as its hospital or its province's finance may see it; anyone else: absent."""
    statement = await session.get(HospitalStatement, statement_id)
    hospital = await session.get(Hospital, statement.hospital_code) if statement is not None else None
    if statement is None or hospital is None or not _sees_statement(caller, hospital):
        raise NotFound("没有这个结算清单 (no such statement)")
    return statement


def _sees_statement(caller: CallerDep, hospital: Hospital) -> bool:
    if caller.hospital_code:
        return caller.hospital_code == hospital.code
    if caller.kind == "staff" and caller.has_any("finance", "admin"):
        province = province_scope(caller)
        return province is None or province == hospital.province
    return False


@router.get("/hospital-settlements/{statement_id}", response_model=StatementOut, operation_id="get_settlement",
            summary="One settlement statement", responses=problem_responses(401, 403, 404),
             dependencies=[STATEMENT_READERS])
async def get_settlement(statement_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> StatementOut:
    return _statement_out(await _statement(session, statement_id, caller))


@router.get("/hospital-settlements/{statement_id}/statement.csv", operation_id="settlement_csv",
            response_class=Response, summary="医院直免结算清单 as CSV", responses=problem_responses(401, 404),
             dependencies=[STATEMENT_READERS])
async def settlement_csv(statement_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Response:
    statement = await _statement(session, statement_id, caller)
    return Response(statements.to_csv(statement, await statements.notices_of(session, statement)),
                    media_type="text/csv; charset=utf-8")


@router.get("/hospital-settlements/{statement_id}/statement.pdf", operation_id="settlement_pdf",
            response_class=Response, summary="医院直免结算清单 as PDF", responses=problem_responses(401, 404),
             dependencies=[STATEMENT_READERS])
async def settlement_pdf(statement_id: uuid.UUID, caller: CallerDep, session: SessionDep) -> Response:
    statement = await _statement(session, statement_id, caller)
    hospital = await session.get(Hospital, statement.hospital_code)
    return Response(pdf.statement_pdf(statement, await statements.notices_of(session, statement),
                                      hospital.name if hospital else statement.hospital_code),
                    media_type="application/pdf")


@router.post("/hospital-settlements/{statement_id}/approve", response_model=StatementOut,
             operation_id="approve_settlement", summary="The district office approves; payments pays the hospital once",
             responses=problem_responses(401, 403, 404), dependencies=[FINANCE])
async def approve_settlement(statement_id: uuid.UUID, request: Request, caller: CallerDep,
                             session: SessionDep) -> StatementOut:
    await _statement(session, statement_id, caller)
    return _statement_out(await statements.approve(session, statement_id, caller, request.app.state.cipher))


@router.get("/reports/direct-reductions", operation_id="direct_reductions_report",
            summary="Direct reductions by hospital for a month", dependencies=[FINANCE],
            responses={**paged("One page of hospitals, by code"), **problem_responses(401, 403, 422)})
async def direct_reductions(caller: CallerDep, session: SessionDep, month: MonthQuery,
                            page: PagingDep) -> list[dict[str, object]]:
    return await statements.direct_reductions_by_hospital(session, month, page, province_scope(caller))


@router.get("/reports/direct-reduction-rate", operation_id="direct_reduction_rate",
            summary="直免率: direct reductions / all reductions, per province (districts' direct counts) and month",
            dependencies=[FINANCE],
            responses={**paged("One page of provinces, by code"), **problem_responses(401, 403, 422)})
async def direct_reduction_rate(caller: CallerDep, session: SessionDep, month: MonthQuery,
                                page: PagingDep) -> list[dict[str, object]]:
    # At most one row per province: computed whole from three grouped queries, then paged.
    rows = await statements.direct_reduction_rate(session, month, province_scope(caller))
    return page.slice(rows, key=lambda row: (str(row["province"]),))
