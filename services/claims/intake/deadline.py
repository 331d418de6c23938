"""报销时限 at intake, by the Civil Code.

The entitlement quote gives the legal last day: the anniversary of the earlier of payment and
invoice date (民法典 201-202, per the rule set). This module owns the rest, because the official
working-day calendar lives in the claims service: a last day that is not a working day moves to
the first working day after it (203), and a mailed claim is judged on the postmark date staff
recorded, not on the day they register it. A rule set whose deadline is a placeholder never
refuses a claim; the reviewer gets a warning instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.periods import shift_past_holidays
from kit.problems import Unprocessable
from services.claims.calendar import CalendarNotCovered
from services.claims.calendar import service as calendar
from services.claims.calendar.models import CalendarAlarm


@dataclass(frozen=True)
class Deadline:
    last_day: date | None  # after the holiday shift; None: the rule set has none or it was not quoted
    judged_on: date
    warnings: list[str]


def judged_on(channel: str, postmarked_on: date | None) -> date:
    if channel == "mail":
        if postmarked_on is None:
            raise Unprocessable("邮寄申请须登记邮戳日期 (a mailed claim needs the postmark date)",
                                field="postmarked_on")
        return postmarked_on
    return clock.today()


async def check(session: AsyncSession, claim_id: uuid.UUID, channel: str, postmarked_on: date | None,
                quote: dict[str, Any]) -> Deadline:
    """Refuses a late claim (422 on usage.paid_on); returns the shifted last day and any warnings."""
    day = judged_on(channel, postmarked_on)
    legal = quote.get("claim_deadline_on")
    if not legal:
        return Deadline(None, day, [])
    legal_last = date.fromisoformat(legal)
    info = quote.get("claim_deadline") or {}
    try:
        last = shift_past_holidays(legal_last, (await calendar.load(session)).is_working_day)
    except CalendarNotCovered as exc:
        if day <= legal_last:
            return Deadline(legal_last, day, [])
        # Past the anniversary and the calendar cannot say whether a holiday moves it: an alarm
        # for ops and a note for the reviewer, never a guess either way.
        session.add(CalendarAlarm(claim_id=claim_id, year=exc.year))
        return Deadline(None, day, [
            f"报销时限最后一日为 {legal_last}，工作日历未包含 {exc.year} 年，无法判断是否顺延，请人工核对 "
            f"(the calendar does not cover {exc.year}: check the deadline by hand)"])
    if day <= last:
        return Deadline(last, day, [])
    basis = "邮戳日期" if channel == "mail" else "申请日期"
    if info.get("placeholder"):
        return Deadline(last, day, [
            f"按占位的报销时限（{info.get('text', '')}）已于 {last} 届满，{basis} {day}；"
            "该时限待核实，请审核人员据实判断 "
            f"(past a placeholder deadline: the reviewer decides)"])
    raise Unprocessable(
        f"已超过报销期限：最后一日为 {last}（含，节假日已顺延），{basis}为 {day} (claim deadline passed on {last})",
        field="usage.paid_on")
