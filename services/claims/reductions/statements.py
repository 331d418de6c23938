"""Monthly (military: half-yearly) settlement statements of direct reductions, paid once."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock, csvexport
from kit.crypto import FieldCipher
from kit.identity import Caller
from kit.paging import Paging
from kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from services.claims.hospitals.models import ACCOUNT_CONTEXT, Hospital
from services.claims.outbox.enqueue import enqueue
from services.claims.reductions import usage
from services.claims.reductions.models import HospitalStatement, ReductionNotice
from services.claims.reductions.periods import period_bounds
from services.claims.review.funding import funding_for_quote

FILING_DAY = 10  # "医疗机构每月10日前向所在区献血办提出直免结算申请"


async def file(session: AsyncSession, hospital_code: str, period: str, caller: Caller,
               cipher: FieldCipher) -> HospitalStatement:
    hospital = await session.get(Hospital, hospital_code)
    if hospital is None:
        raise NotFound("医院未登记 (hospital not registered)")
    half_yearly = period[5:] in ("H1", "H2")
    if hospital.military != half_yearly:
        expected = "半年（如 2026-H1）" if hospital.military else "按月（如 2026-10）"
        raise Unprocessable(f"该医院应{expected}申请结算 (military hospitals settle half-yearly, others monthly)",
                            field="period")
    start, end = period_bounds(period)
    today = clock.today()
    if today < end:
        raise Conflict(f"结算期 {period} 尚未结束 (the period has not ended yet)", field="period")
    existing = (await session.execute(select(HospitalStatement).where(
        HospitalStatement.hospital_code == hospital_code, HospitalStatement.period == period))).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"{period} 已提交结算申请 (already filed)", field="period", statement_id=str(existing.id))
    notices = list((await session.execute(select(ReductionNotice).where(
        ReductionNotice.hospital_code == hospital_code, ReductionNotice.status == "settled",
        ReductionNotice.settled_on >= start, ReductionNotice.settled_on < end,
        ReductionNotice.statement_id.is_(None)).with_for_update())).scalars())
    totals: dict[str, int] = {}
    for notice in notices:
        for line in funding_for_quote(notice.reduced_fen or 0, usage.quote_of(notice, cipher)):
            totals[line["source"]] = totals.get(line["source"], 0) + line["amount_fen"]
    late = not half_yearly and today > date(end.year, end.month, FILING_DAY)
    statement = HospitalStatement(
        hospital_code=hospital_code, period=period, status="filed", late=late,
        total_fen=sum(n.reduced_fen or 0 for n in notices), reduction_count=len(notices),
        funding=[{"source": k, "amount_fen": v} for k, v in sorted(totals.items())])
    session.add(statement)
    await session.flush()
    for notice in notices:
        notice.statement_id = statement.id
    return statement


async def approve(session: AsyncSession, statement_id: uuid.UUID, caller: Caller, cipher: FieldCipher) -> HospitalStatement:
    statement = await session.get(HospitalStatement, statement_id, with_for_update=True)
    if statement is None:
        raise NotFound("没有这个结算清单 (no such statement)")
    hospital = await session.get(Hospital, statement.hospital_code)
    assert hospital is not None
    if not caller.has_any("finance") or (caller.province != hospital.province and not caller.has_any("admin")):
        raise Forbidden("只有本省献血办财务可以审批 (finance of the hospital's province approves)")
    if statement.status != "filed":
        return statement  # approved once; paid once
    statement.status, statement.approved_by, statement.approved_at = "approved", caller.subject, clock.now()
    if statement.total_fen > 0:
        enqueue(session, statement, "payment_request", f"statement:{statement.id}", {  # type: ignore[arg-type]
            "source_ref": f"statement:{statement.id}", "province": hospital.province,
            "amount_fen": statement.total_fen, "funding": statement.funding,
            "payee": {"account_name": hospital.account_name, "bank_name": hospital.bank_name,
                      "account_number_encrypted": hospital.account_encrypted, "context": ACCOUNT_CONTEXT},
        })
    else:
        statement.status = "paid"  # nothing to pay
    return statement


async def listed(session: AsyncSession, *, province: str | None, hospital_code: str | None, status: str | None,
                 after: tuple[datetime, uuid.UUID] | None,
                 limit: int) -> tuple[list[tuple[HospitalStatement, Hospital]], list[str] | None]:
    """Newest filed first, with each statement's hospital; the position after the page's last row."""
    stmt = select(HospitalStatement, Hospital).join(Hospital, Hospital.code == HospitalStatement.hospital_code)
    if province:
        stmt = stmt.where(Hospital.province == province)
    if hospital_code:
        stmt = stmt.where(HospitalStatement.hospital_code == hospital_code)
    if status:
        stmt = stmt.where(HospitalStatement.status == status)
    if after is not None:
        stmt = stmt.where(tuple_(HospitalStatement.filed_at, HospitalStatement.id) < after)
    order = (HospitalStatement.filed_at.desc(), HospitalStatement.id.desc())
    rows = [(s, h) for s, h in await session.execute(stmt.order_by(*order).limit(limit + 1))]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1][0]
    return rows[:limit], [last.filed_at.isoformat(), str(last.id)]


async def notices_of(session: AsyncSession, statement: HospitalStatement) -> list[ReductionNotice]:
    stmt = select(ReductionNotice).where(ReductionNotice.statement_id == statement.id).order_by(ReductionNotice.settled_on)
    return list((await session.execute(stmt)).scalars())


def to_csv(statement: HospitalStatement, notices: list[ReductionNotice]) -> str:
    blank = [""] * 8
    rows: list[list[object]] = [
        [statement.period, statement.hospital_code, n.notice_no, n.receipt_no, n.settled_on, n.patient_cert_masked,
         n.donor_cert_masked, n.relationship, yuan(n.final_blood_fee_fen), yuan(n.reduced_fen)] for n in notices]
    rows.append(["合计", *blank, yuan(statement.total_fen)])
    for line in statement.funding:
        label = {"local_fund": "还血基金", "military_fund": "部队献血管理费"}.get(line["source"], line["source"])
        rows.append([label, *blank, yuan(line["amount_fen"])])
    header = ["结算期", "医院编码", "通知单号", "收据号", "结算日期", "患者证件号", "献血者证件号", "关系",
              "输血费用(元)", "减免金额(元)"]
    return csvexport.to_csv(header, rows)


def yuan(fen: int | None) -> str:
    fen = fen or 0
    return f"{fen // 100}.{fen % 100:02d}"


async def apply_event(session: AsyncSession, statement_id: uuid.UUID, event: str, disbursement_id: str,
                      reason: str | None) -> str | None:
    """Paid, or back to finance and the hospital with the bank's reason (returned or failed): the
    statement waits in `payment_failed` until the hospital's account is corrected, then goes out again."""
    statement = await session.get(HospitalStatement, statement_id, with_for_update=True)
    if statement is None:
        return None
    if statement.status == "approved":
        statement.disbursement_id = disbursement_id
        if event == "succeeded":
            statement.status, statement.payment_error = "paid", None
        else:
            statement.status = "payment_failed"
            statement.payment_error = reason or ("银行退票 (returned)" if event == "returned" else "转账失败 (failed)")
    return statement.status


async def retry_failed_payments(session: AsyncSession, hospital: Hospital, reason: str) -> list[HospitalStatement]:
    """The hospital's account was corrected: every statement whose payment failed goes out again,
    to the new account, as a new attempt of the same disbursement (paid once, never twice)."""
    failed = list((await session.execute(select(HospitalStatement).where(
        HospitalStatement.hospital_code == hospital.code, HospitalStatement.status == "payment_failed")
        .with_for_update())).scalars())
    for statement in failed:
        statement.status, statement.payment_error = "approved", None
        enqueue(session, statement, "payee_update",  # type: ignore[arg-type]
                f"payee:{statement.id}:{hospital.account_masked}:{int(clock.now().timestamp() * 1000)}", {
                    "disbursement_id": statement.disbursement_id, "reason": reason,
                    "payee": {"account_name": hospital.account_name, "bank_name": hospital.bank_name,
                              "account_number_encrypted": hospital.account_encrypted, "context": ACCOUNT_CONTEXT},
                })
    return failed


async def direct_reductions_by_hospital(session: AsyncSession, month: str, page: Paging,
                                        province: str | None = None) -> list[dict[str, Any]]:
    """`province`: only that province's hospitals (finance sees its own; admin all)."""
    start, end = period_bounds(month)
    stmt = select(
        ReductionNotice.hospital_code, func.count(), func.coalesce(func.sum(ReductionNotice.reduced_fen), 0)
    ).where(ReductionNotice.status == "settled", ReductionNotice.settled_on >= start, ReductionNotice.settled_on < end)
    if province is not None:
        stmt = stmt.join(Hospital, Hospital.code == ReductionNotice.hospital_code).where(Hospital.province == province)
    stmt = stmt.group_by(ReductionNotice.hospital_code)
    rows = await page.fetch(session, stmt, [ReductionNotice.hospital_code], scalars=False)
    return [{"hospital_code": h, "count": int(c), "reduced_fen": int(t)} for h, c, t in rows]


async def direct_reduction_rate(session: AsyncSession, month: str, province: str | None = None) -> list[dict[str, Any]]:
    """Per donation province: direct reductions / (direct reductions + approved claims) in the month.

    Claims carry no district, so the rate is per province; per district the direct count is given.
    """
    from services.claims.intake.models import Claim

    start, end = period_bounds(month)
    direct = dict((await session.execute(select(ReductionNotice.province, func.count()).where(
        ReductionNotice.status == "settled", ReductionNotice.settled_on >= start, ReductionNotice.settled_on < end)
        .group_by(ReductionNotice.province))).all())
    claims = dict((await session.execute(select(Claim.province, func.count()).where(
        Claim.status.in_(("approved", "paid", "payee_correction")), Claim.submitted_on >= start,
        Claim.submitted_on < end).group_by(Claim.province))).all())
    districts = (await session.execute(select(Hospital.province, Hospital.district_office, func.count()).join(
        ReductionNotice, ReductionNotice.hospital_code == Hospital.code).where(
        ReductionNotice.status == "settled", ReductionNotice.settled_on >= start, ReductionNotice.settled_on < end)
        .group_by(Hospital.province, Hospital.district_office))).all()
    out = []
    for p in sorted(set(direct) | set(claims)):
        if province is not None and p != province:
            continue  # finance sees its own province's rate (admin: every province)
        d, c = int(direct.get(p, 0)), int(claims.get(p, 0))
        out.append({
            "province": p, "month": month, "direct_reductions": d, "claims": c,
            "direct_rate_permille": (d * 1000 // (d + c)) if d + c else None,
            "districts": [{"district_office": name, "direct_reductions": int(n)}
                          for dp, name, n in districts if dp == p],
        })
    return out
