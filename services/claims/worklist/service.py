"""Pure parts of the worklist: the review clock as of today and the flags a reviewer checks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from stdnum import numdb

from kit.crypto import FieldCipher, mask_name
from services.claims.calendar.workdays import CalendarNotCovered, WorkingCalendar
from services.claims.intake import usage
from services.claims.intake.models import Claim
from services.claims.locks.schemas import LockOut
from services.claims.worklist.schemas import Clock, Flag, QueueRow

RUNNING = ("submitted", "under_review", "awaiting_second_review")
DUE_SOON_WORKING_DAYS = 2
DEADLINE_CLOSE_DAYS = 30  # filed within a month of the claim deadline: check the dates closely
_REGIONS = numdb.get("cn/loc")


def review_clock(claim: Claim, calendar: WorkingCalendar, today: date) -> Clock:
    paused = claim.status == "needs_more_info"
    if claim.due_on is None or claim.status not in RUNNING:
        return Clock(due_on=claim.due_on, working_days_left=None, overdue=False, paused=paused)
    try:
        left = calendar.working_days_between(today, claim.due_on)
    except CalendarNotCovered:
        left = None
    return Clock(due_on=claim.due_on, working_days_left=left, overdue=claim.due_on < today, paused=False)


def known_region(cert_type: str, masked: str) -> bool:
    """GB/T 2260 code of a resident ID, past or present. Unknown is a note, never a refusal: people
    keep the code their ID was issued under (DOMAIN.md 3)."""
    if cert_type != "resident_id" or len(masked) != 18 or not masked[:6].isdigit():
        return True
    parts = _REGIONS.info(masked[:6])
    return len(parts) == 2 and bool(parts[1][1])


def flags(claim: Claim, clock: Clock, quote: dict[str, Any], *, other_uses: list[str] | None = None) -> list[Flag]:
    """`quote`: the claim's decrypted quote (intake/usage.py); `other_uses` (the review sheet only):
    other cases on the same invoice."""
    out: list[Flag] = []
    if claim.warnings:
        out.append(Flag(code="luhn", message="银行卡号未通过Luhn校验，请与申请人核对卡号"))
    if other_uses:
        out.append(Flag(code="duplicate_invoice",
                        message=f"同一发票另有申请或直免：{'、'.join(other_uses)}，请核对是否重复或部分已减免"))
    for role, cert_type, masked in (("献血者", claim.donor_cert_type, claim.donor_cert_masked),
                                    ("用血者", claim.beneficiary_cert_type, claim.beneficiary_cert_masked)):
        if not known_region(cert_type, masked) and (role == "献血者" or claim.relationship != "self"):
            out.append(Flag(code="unknown_region", message=(
                f"{role}身份证号地址码 {masked[:6]} 不在行政区划代码表中（可能为旧码），请核对证件")))
    if clock.overdue:
        out.append(Flag(code="overdue", message=f"已超过审核期限（{clock.due_on}）"))
    elif clock.working_days_left is not None and clock.working_days_left <= DUE_SOON_WORKING_DAYS:
        out.append(Flag(code="review_due_soon", message=f"审核期限临近：剩余 {clock.working_days_left} 个工作日"))
    if claim.status in RUNNING and claim.due_on is None:
        out.append(Flag(code="calendar_not_covered",
                        message="工作日历未覆盖，无法计算审核期限，请联系管理员录入放假安排"))
    deadline = quote.get("claim_deadline_on")
    if deadline and claim.submitted_on and date.fromisoformat(deadline) - claim.submitted_on <= timedelta(
            days=DEADLINE_CLOSE_DAYS):
        out.append(Flag(code="claim_deadline_close",
                        message=f"提交日距报销期限（{deadline}）不足 {DEADLINE_CLOSE_DAYS} 天，请核对缴费日期"))
    return out


def queue_row(claim: Claim, clock: Clock, lock: LockOut | None, cipher: FieldCipher) -> QueueRow:
    """A queue line: the hospital and the quote are kept encrypted (blood-use data), opened here."""
    return QueueRow(
        id=claim.id, reference=claim.reference, status=claim.status, channel=claim.channel, province=claim.province,
        donor_name_masked=mask_name(claim.donor_name), relationship=claim.relationship,
        hospital_name=usage.usage_of(claim, cipher)["hospital_name"], requested_fen=claim.requested_fen,
        eligible_fen=claim.eligible_fen, submitted_on=claim.submitted_on, clock=clock,
        flags=flags(claim, clock, usage.quote_of(claim, cipher)), lock=lock,
        first_approved_by=claim.first_approved_by, first_approved_fen=claim.first_approved_fen,
    )
