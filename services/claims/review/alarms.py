"""The ops alarm list of money owed and not paid: approved claims past their pay-by day (10 working
days after approval), claims a senior reviewer must look at, and transfers that failed (claims and
hospital statements) waiting for a corrected account."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import Date, String, case, cast, func, literal, or_, select, union_all

from kit import clock
from kit.callers import allow, province_scope
from kit.db import SessionDep
from kit.identity import CallerDep
from kit.paging import PagingDep, paged
from kit.problems import problem_responses
from services.claims.hospitals.models import Hospital
from services.claims.intake.models import Claim
from services.claims.reductions.models import HospitalStatement

router = APIRouter(prefix="/v1/alarms", tags=["alarms"])
UNPAID = ("approved", "payee_correction", "payment_failed", "needs_attention")


class PaymentAlarm(BaseModel):
    kind: str = Field(description="late_payment (approved, not paid by pay_due_on), needs_attention, "
                                  "payment_failed, statement_payment_failed")
    id: uuid.UUID = Field(description="the claim or statement")
    reference: str = Field(description="claim reference, or hospital code and period")
    province: str
    status: str
    since: date | None = Field(description="pay-by day (claims) or approval day (statements)")
    overdue: bool
    amount_fen: int | None
    reason: str | None


@router.get("/payments", response_model=list[PaymentAlarm], operation_id="payment_alarms",
            summary="Money owed and not paid: late, failed, or waiting for a senior reviewer",
            description="Staff see their own province's claims and statements (by the hospital's province); "
                        "admin sees all.",
            responses={**paged("Alarms, the longest waiting first"), **problem_responses(401, 403, 422)},
            dependencies=[allow(staff=("admin", "finance", "senior_reviewer"))])
async def payment_alarms(caller: CallerDep, session: SessionDep, page: PagingDep) -> list[PaymentAlarm]:
    today = clock.today()
    claims = select(
        case((Claim.status.in_(("approved", "payee_correction")), literal("late_payment")), else_=Claim.status)
        .label("kind"),
        Claim.id.label("id"), Claim.reference.label("reference"), Claim.province.label("province"),
        Claim.status.label("status"), Claim.pay_due_on.label("since"),
        func.coalesce(Claim.pay_due_on < today, False).label("overdue"), Claim.approved_fen.label("amount_fen"),
        func.coalesce(Claim.attention_reason, Claim.payment_error).label("reason"),
    ).where(Claim.status.in_(UNPAID), or_(Claim.pay_due_on < today,
                                          Claim.status.in_(("needs_attention", "payment_failed"))))
    statements = select(
        literal("statement_payment_failed").label("kind"), HospitalStatement.id, cast(
            HospitalStatement.hospital_code + literal(" ") + HospitalStatement.period, String).label("reference"),
        Hospital.province, HospitalStatement.status, cast(func.timezone("Asia/Shanghai", HospitalStatement.approved_at),
                                                          Date).label("since"),
        literal(True).label("overdue"), HospitalStatement.total_fen, HospitalStatement.payment_error,
    ).join(Hospital, Hospital.code == HospitalStatement.hospital_code).where(
        HospitalStatement.status == "payment_failed")
    everything = union_all(claims, statements).subquery("alarms")
    stmt = select(everything)
    if (province := province_scope(caller)) is not None:
        stmt = stmt.where(everything.c.province == province)
    rows = await page.fetch(session, stmt, [func.coalesce(everything.c.since, literal(date.min)), everything.c.id],
                            scalars=False)
    return [PaymentAlarm(**dict(zip(("kind", "id", "reference", "province", "status", "since", "overdue",
                                     "amount_fen", "reason"), row, strict=True))) for row in rows]

