"""Reduction notices: issue (quote + hold), settle at discharge (consume), cancel, correct.

The notice is stored (pending, with a guard in the outbox) before its hold is placed, and the
hold is placed with no transaction open: a notice whose issuing never finishes has its hold
released by the guard (outbox/guards.py). Every later change to the quota goes through the
outbox written in the same transaction as the notice's change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock
from kit.crypto import BlindIndex, FieldCipher, mask_cert_number
from kit.identity import Caller, person_index
from kit.problems import Conflict, NotFound, Problem, ServiceUnavailable, Unprocessable
from services.claims.audit import service as audit
from services.claims.clients.entitlement import EntitlementClient
from services.claims.clients.interop import InteropClient
from services.claims.hospitals.models import Hospital
from services.claims.intake import donors
from services.claims.intake.models import CERT
from services.claims.invoices import registry
from services.claims.outbox import guards
from services.claims.outbox.enqueue import enqueue
from services.claims.quota import consumed_ml
from services.claims.reductions import usage
from services.claims.reductions.models import HospitalStatement, ReductionNotice
from services.claims.reductions.periods import statement_period
from services.claims.reductions.schemas import CorrectionIn, NoticeIn, NoticeOut, SettlementIn

# Fields whose refusal by the rules means "no entitlement", a normal answer for the hospital.
NO_ENTITLEMENT_FIELDS = {"relationship", "usage.used_on", "province", "donor.cert_number"}


@dataclass
class NoticeDeps:
    sessionmaker: async_sessionmaker[AsyncSession]
    entitlement: EntitlementClient
    cipher: FieldCipher
    persons: BlindIndex  # kit.identity.person_index: how the invoice registry names donors
    valid_days: int
    guard_grace_s: float = 120.0
    interop: InteropClient | None = None  # None: no partners, every notice is ours


def out(notice: ReductionNotice, cipher: FieldCipher) -> NoticeOut:
    return NoticeOut(
        eligible=True, notice_no=notice.notice_no, status=effective_status(notice),
        max_reducible_fen=notice.max_reducible_fen, valid_until=notice.valid_until,
        explanation=list(usage.quote_of(notice, cipher).get("explanation", [])),
        patient_cert_masked=notice.patient_cert_masked,
        donor_cert_masked=notice.donor_cert_masked, reduced_fen=notice.reduced_fen, receipt_no=notice.receipt_no,
        additional_donors=donors.masked(notice), mutual_aid_fen=notice.mutual_aid_fen)


def effective_status(notice: ReductionNotice) -> str:
    if notice.status == "issued" and notice.valid_until < clock.today():
        return "expired"  # its hold lapsed at the entitlement service at the same time
    return notice.status


def hospital_of(caller: Caller) -> str:
    if caller.kind == "hospital" or (caller.kind == "staff" and caller.has_any("hospital_operator")):
        if caller.hospital_code:
            return caller.hospital_code
    raise Problem("只有医院可以办理直免 (only a hospital or its operator issues reduction notices)", status=403,
                  slug="forbidden", title="Not allowed")


async def notice_of(session: AsyncSession, notice_no: str, caller: Caller, *, for_update: bool = False) -> ReductionNotice:
    stmt = select(ReductionNotice).where(ReductionNotice.notice_no == notice_no)
    if for_update:
        stmt = stmt.with_for_update()
    notice = (await session.execute(stmt)).scalar_one_or_none()
    # Another hospital's notice is reported as absent, and so is one whose issuing never finished.
    if notice is None or notice.hospital_code != hospital_of(caller) or notice.status in ("pending", "void"):
        raise NotFound(f"没有减免通知单 {notice_no} (no such notice)")
    return notice


def _check_donors(body: NoticeIn) -> None:
    patient = body.patient.cert_number
    if body.relationship == "self" and patient != body.donor.cert_number:
        raise Unprocessable("本人用血时患者须为献血者本人 (self: the patient must be the donor)", field="patient.cert_number")
    donors.check_named((body.patient.cert_type, patient), (body.donor.cert_type, body.donor.cert_number),
                       body.additional_donors)  # type: ignore[arg-type]
    relatives = donors.has_relatives(body.relationship, body.additional_donors)  # type: ignore[arg-type]
    if relatives and body.kinship_evidence is None:
        raise Unprocessable("亲属用血须提供亲属关系证明或签订承诺书 (kinship evidence required)", field="kinship_evidence")


async def _earlier(body: NoticeIn, deps: NoticeDeps) -> registry.Coverage:
    """What earlier claims and reductions took of the bill, when the hospital knows the invoice."""
    if body.invoice is None:
        return registry.Coverage()
    async with deps.sessionmaker() as session:
        found = await registry.coverage(session, body.invoice.code, body.invoice.number)
    if found.fee_fully_reduced(body.blood_fee_fen, body.mutual_aid_fen):
        raise registry.InvoiceCovered(found)
    keys = [person_index(deps.persons, p.cert_type, p.cert_number) for p in (body.donor, *body.additional_donors)]
    registry.refuse_repeat_donors(found, keys)
    return found


def _case_fields(body: NoticeIn, deps: NoticeDeps) -> dict[str, Any]:
    """The case as a notice stores it: ID numbers and blood use sealed, the numbers masked for show."""
    return dict(
        province=body.province,
        patient_cert_type=body.patient.cert_type,
        patient_cert_encrypted=deps.cipher.encrypt(body.patient.cert_number, context=CERT),
        patient_cert_masked=mask_cert_number(body.patient.cert_number), patient_name=body.patient.name,
        donor_cert_type=body.donor.cert_type,
        donor_cert_encrypted=deps.cipher.encrypt(body.donor.cert_number, context=CERT),
        donor_cert_masked=mask_cert_number(body.donor.cert_number), donor_name=body.donor.name,
        relationship=body.relationship,
        additional_donors=donors.stored(body.additional_donors, deps.cipher, deps.persons),  # type: ignore[arg-type]
        kinship_evidence=body.kinship_evidence.model_dump() if body.kinship_evidence else None,
        used_on=body.used_on,
        items_encrypted=usage.seal(deps.cipher, [i.model_dump() for i in body.items], usage.ITEMS),
        blood_fee_fen=body.blood_fee_fen, mutual_aid_fen=body.mutual_aid_fen,
    )


async def store_notice(body: NoticeIn, caller: Caller, deps: NoticeDeps, *, hospital: str, max_reducible_fen: int,
                       quote: dict[str, Any], hold_key: str, valid_until: date,
                       **partner: str) -> ReductionNotice:
    """A new issued notice under our own number (JM + province + date + sequence), audited."""
    async with deps.sessionmaker() as session, session.begin():
        notice = ReductionNotice(
            notice_no="", hospital_code=hospital, status="issued", **_case_fields(body, deps),
            max_reducible_fen=max_reducible_fen,
            quote_encrypted=usage.seal(deps.cipher, quote, usage.QUOTE), hold_key=hold_key, valid_until=valid_until,
            issued_by=caller.subject, created_at=clock.now(), **partner)
        session.add(notice)
        await session.flush()
        await session.refresh(notice, ["seq", "created_at"])
        notice.notice_no = f"JM{body.province}{clock.today():%Y%m%d}{notice.seq:06d}"
        audit.record(session, notice, caller, "notice_issued", to_status="issued",  # type: ignore[arg-type]
                     detail={"max_reducible_fen": max_reducible_fen, **partner})
    return notice


async def issue(body: NoticeIn, caller: Caller, deps: NoticeDeps) -> NoticeOut:
    hospital = hospital_of(caller)
    _check_donors(body)
    before = await _earlier(body, deps)
    if deps.interop is not None and (partner := await deps.interop.partner_for(body.province)) is not None:
        from services.claims.crossprovince.reductions import issue_via_partner

        return await issue_via_partner(body, caller, deps, partner)  # the partner holds the quota
    notice = await _store_pending(body, caller, hospital, deps)
    key = notice.hold_key
    usage_province = caller.province or body.province
    request: dict[str, Any] = {
        "purpose": "reduction_notice", "reference": key, "ttl_hours": deps.valid_days * 24,
        "quote": {"province": body.province,
                  "donor": {"cert_type": body.donor.cert_type, "cert_number": body.donor.cert_number},
                  "beneficiary": {"cert_type": body.patient.cert_type, "cert_number": body.patient.cert_number},
                  "relationship": body.relationship,
                  "additional_donors": [{"donor": {"cert_type": d.cert_type, "cert_number": d.cert_number},
                                         "relationship": d.relationship} for d in body.additional_donors],
                  "used_on": body.used_on.isoformat(), "usage_province": usage_province,
                  "items": [i.model_dump() for i in body.items], "blood_fee_fen": body.blood_fee_fen,
                  "mutual_aid_fen": body.mutual_aid_fen, **before.before()}}
    try:
        hold = await deps.entitlement.place_hold(key, request)
    except Unprocessable as exc:
        await _drop_pending(notice.id, deps)
        field = exc.errors[0].field if exc.errors else ""
        if field in NO_ENTITLEMENT_FIELDS:
            return NoticeOut(eligible=False, reason=exc.detail)
        raise
    except ServiceUnavailable:
        raise  # the hold may exist (an answer lost on the way): the guard releases it if so
    except Problem:
        await _drop_pending(notice.id, deps)
        raise
    if not hold.placed:
        await _drop_pending(notice.id, deps)
        if before.references and hold.quote.get("rest_ml_after", 1) == 0:
            raise registry.InvoiceCovered(before)
        return NoticeOut(eligible=False, reason="减免额度已用完 (the quota is used up)",
                         explanation=list(hold.quote.get("explanation", [])))
    async with deps.sessionmaker() as session, session.begin():
        stored = await session.get(ReductionNotice, notice.id, with_for_update=True)
        if stored is None or stored.status != "pending":
            # The guard gave up on it while entitlement was answering: the hold is being released.
            raise ServiceUnavailable("开具超时，请重试 (issuing took too long; retry)", retry_after_s=1)
        stored.status = "issued"
        stored.quote_encrypted = usage.seal(deps.cipher, {**hold.quote, "usage_province": usage_province}, usage.QUOTE)
        stored.max_reducible_fen = int(hold.quote["reducible_fen"])
        await guards.confirm(session, key)
        audit.record(session, stored, caller, "notice_issued", to_status="issued",  # type: ignore[arg-type]
                     detail={"max_reducible_fen": stored.max_reducible_fen})
    return out(stored, deps.cipher)


async def _store_pending(body: NoticeIn, caller: Caller, hospital: str, deps: NoticeDeps) -> ReductionNotice:
    """The notice exists, with its guard, before anything is held for it."""
    async with deps.sessionmaker() as session, session.begin():
        notice_id = uuid.uuid4()
        notice = ReductionNotice(
            id=notice_id, notice_no="", hospital_code=hospital, status="pending", **_case_fields(body, deps),
            max_reducible_fen=0,
            quote_encrypted=usage.seal(deps.cipher, {}, usage.QUOTE), hold_key=f"notice:{notice_id}",
            valid_until=clock.today() + timedelta(days=deps.valid_days - 1), issued_by=caller.subject,
            created_at=clock.now())  # the issue date is a business date: the kit clock decides it
        session.add(notice)
        await session.flush()
        await session.refresh(notice, ["seq", "created_at"])
        notice.notice_no = f"JM{body.province}{clock.today():%Y%m%d}{notice.seq:06d}"
        await guards.guard(session, notice.id, "notice", notice.hold_key, deps.guard_grace_s)
    return notice


async def _drop_pending(notice_id: uuid.UUID, deps: NoticeDeps) -> None:
    """Nothing was held (no entitlement, or refused): the pending notice and its guard go."""
    async with deps.sessionmaker() as session, session.begin():
        notice = await session.get(ReductionNotice, notice_id, with_for_update=True)
        if notice is not None and notice.status == "pending":
            notice.status = "void"
            await guards.confirm(session, notice.hold_key)


async def settle(session: AsyncSession, notice_no: str, body: SettlementIn, caller: Caller, *,
                 cipher: FieldCipher, persons: BlindIndex) -> ReductionNotice:
    notice = await notice_of(session, notice_no, caller, for_update=True)
    if notice.receipt_no is not None:
        if notice.receipt_no == body.receipt_no:
            return notice  # the same settlement sent again
        raise Conflict(f"通知单已结算（收据 {notice.receipt_no}）(already settled)", field="receipt_no")
    status = effective_status(notice)
    if status != "issued":
        raise Conflict(f"通知单状态为 {status}，不能结算 (notice is {status})")
    if body.reduced_fen > notice.max_reducible_fen:
        raise Unprocessable(f"减免金额超过通知单额度 {notice.max_reducible_fen} 分 (above the notice's maximum)",
                            field="reduced_fen")
    if body.reduced_fen > body.blood_fee_fen:
        raise Unprocessable("减免金额超过输血费用 (above the blood fee)", field="reduced_fen")
    await _check_settled_on(session, notice, body.settled_on)
    other = (await session.execute(select(ReductionNotice.notice_no).where(
        ReductionNotice.receipt_no == body.receipt_no))).scalar_one_or_none()
    if other is not None:
        raise Conflict(f"收据号已用于 {other} (receipt number already used)", field="receipt_no")
    await registry.lock(session, body.invoice.code, body.invoice.number)
    found = await registry.coverage(session, body.invoice.code, body.invoice.number, exclude=("notice", notice.id))
    if found.fee_fully_reduced(body.blood_fee_fen, notice.mutual_aid_fen):
        raise registry.InvoiceCovered(found)
    keys = donors.registry_keys(notice, cipher, persons)
    registry.refuse_repeat_donors(found, keys)
    quote = usage.quote_of(notice, cipher)
    aid = min(int(quote.get("mutual_aid_fen", 0)), body.reduced_fen)
    left_fen = body.blood_fee_fen - found.reduced_fen
    if body.reduced_fen - aid > left_fen:
        raise registry.InvoiceCovered(found, f"减免金额超过发票尚未减免的 {left_fen / 100:.2f} 元")
    notice.receipt_no, notice.settled_on, notice.reduced_fen = body.receipt_no, body.settled_on, body.reduced_fen
    notice.final_items_encrypted = usage.seal(cipher, [i.model_dump() for i in body.items], usage.FINAL_ITEMS)
    notice.final_blood_fee_fen = body.blood_fee_fen
    notice.invoice_code, notice.invoice_number = body.invoice.code, body.invoice.number
    notice.status, notice.settled_at = "settled", clock.now()
    ml = consumed_ml(int(quote.get("covered_ml", 0)), body.reduced_fen, notice.max_reducible_fen)
    await registry.register(session, kind="notice", case_id=notice.id, reference=notice.notice_no,
                            code=body.invoice.code, number=body.invoice.number, donors=keys,
                            amounts={"covered_ml": ml, "reduced_fen": body.reduced_fen - aid, "mutual_aid_fen": aid})
    if notice.forwarded_to is not None:  # the partner holds the quota: it commits on our report
        from services.claims.crossprovince.reductions import report_to_partner

        report_to_partner(session, notice, "settled", {"settlement": body.model_dump(mode="json")})
    else:
        enqueue(session, notice, "hold_commit", f"commit:{notice.hold_key}",  # type: ignore[arg-type]
                {"hold_key": notice.hold_key, "ml": ml,
                 "reason": f"直免结算 {notice.notice_no} 收据 {body.receipt_no}"})
    audit.record(session, notice, caller, "notice_settled", from_status="issued", to_status="settled",  # type: ignore[arg-type]
                 detail={"reduced_fen": body.reduced_fen, "receipt_no": body.receipt_no})
    return notice


async def _check_settled_on(session: AsyncSession, notice: ReductionNotice, settled_on: date) -> None:
    """The discharge date is a fact the hospital reports: not in the future, inside the notice's
    life, and in a period whose statement is still open, so it lands on the statement of its
    own month (a statement already filed for that month is never changed afterwards)."""
    issued_on = clock.china_date(notice.created_at)
    if settled_on > clock.today():
        raise Unprocessable("结算日期不能晚于今天 (settled_on is in the future)", field="settled_on")
    if settled_on < issued_on:
        raise Unprocessable(f"结算日期早于通知单开具日期 {issued_on} (settled_on is before the notice was issued)",
                            field="settled_on")
    if settled_on > notice.valid_until:
        raise Unprocessable(f"结算日期晚于通知单有效期 {notice.valid_until} (settled_on is after the notice's "
                            "validity)", field="settled_on")
    hospital = await session.get(Hospital, notice.hospital_code)
    period = statement_period(settled_on, military=bool(hospital and hospital.military))
    filed = (await session.execute(select(HospitalStatement.id).where(
        HospitalStatement.hospital_code == notice.hospital_code, HospitalStatement.period == period))).first()
    if filed is not None:
        raise Conflict(f"{period} 的结算清单已提交，不能再计入该期 (the statement of {period} is already filed; "
                       "a settlement dated in it cannot be added)", field="settled_on", period=period)


async def cancel(session: AsyncSession, notice_no: str, caller: Caller, reason: str) -> ReductionNotice:
    notice = await notice_of(session, notice_no, caller, for_update=True)
    if notice.status == "cancelled":
        return notice
    if notice.status != "issued":
        raise Conflict(f"通知单状态为 {notice.status}，不能取消 (notice is {notice.status})")
    notice.status = "cancelled"
    if notice.forwarded_to is not None:
        from services.claims.crossprovince.reductions import report_to_partner

        report_to_partner(session, notice, "cancelled", {"reason": reason})
    else:
        enqueue(session, notice, "hold_release", f"release:{notice.hold_key}",  # type: ignore[arg-type]
                {"hold_key": notice.hold_key, "reason": f"通知单取消：{reason}"})
    audit.record(session, notice, caller, "notice_cancelled", from_status="issued", to_status="cancelled",  # type: ignore[arg-type]
                 reason=reason)
    return notice


async def correct(session: AsyncSession, notice_no: str, body: CorrectionIn, caller: Caller) -> ReductionNotice:
    notice = await notice_of(session, notice_no, caller, for_update=True)
    if notice.status == "corrected":
        return notice
    if notice.forwarded_to is not None:
        from services.claims.crossprovince.reductions import refuse_correction

        refuse_correction(notice)
    if notice.status != "settled":
        raise Conflict(f"只有已结算的通知单可以冲正 (only a settled notice is corrected; this one is {notice.status})")
    if notice.statement_id is not None:
        raise Conflict("该减免已列入结算清单，请联系区献血办 (already in a settlement statement)")
    notice.status, notice.corrected_at, notice.correction_reason = "corrected", clock.now(), body.reason
    await registry.void(session, "notice", notice.id)  # the refunded bill may be reduced again
    enqueue(session, notice, "hold_reverse", f"reverse:{notice.hold_key}",  # type: ignore[arg-type]
            {"hold_key": notice.hold_key, "reason": f"冲正：{body.reason}"})
    audit.record(session, notice, caller, "notice_corrected", from_status="settled", to_status="corrected",  # type: ignore[arg-type]
                 reason=body.reason)
    return notice
