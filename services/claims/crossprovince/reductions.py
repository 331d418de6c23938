"""Cross-province direct reduction (跨省直免), both sides, on the existing notice machinery.

Donor side: a partner's hospital asks (through its platform) for an authorisation; we issue a
reduction notice as if the partner were a hospital of ours (`partner:<code>`), holding the quota
here; the partner reports the settlement or a cancellation against our notice number.

Usage side: a hospital here asks for a notice for another province's donor; the partner that
serves that province authorises it (synchronously, through the interop service) and we keep a
local notice under our own number that names the partner's; settling or cancelling it is
reported to the partner through the outbox instead of touching a local hold.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.identity import Caller
from kit.problems import Conflict
from services.claims.outbox.enqueue import enqueue
from services.claims.reductions.models import ReductionNotice
from services.claims.reductions.schemas import NoticeIn, NoticeOut
from services.claims.reductions.service import NoticeDeps, hospital_of, out, store_notice


def partner_hospital(partner: str, usage_province: str) -> Caller:
    """The partner's platform, acting for its hospital, seen as one of our hospitals."""
    return Caller(subject=f"partner:{partner}", kind="hospital", hospital_code=f"partner:{partner}",
                  province=usage_province, channel="interop")


async def settled_for(session: AsyncSession, partner: str, date_from: date | None,
                      date_to: date | None) -> list[ReductionNotice]:
    stmt = select(ReductionNotice).where(ReductionNotice.hospital_code == f"partner:{partner}")
    if date_from is not None:
        stmt = stmt.where(ReductionNotice.settled_on >= date_from)
    if date_to is not None:
        stmt = stmt.where(ReductionNotice.settled_on <= date_to)
    return list((await session.execute(stmt.order_by(ReductionNotice.seq))).scalars())


async def forwarded_settled(session: AsyncSession, partner: str, date_from: date,
                            date_to: date) -> list[ReductionNotice]:
    """Usage side: what our hospitals reduced for the partner's donors in a period."""
    stmt = select(ReductionNotice).where(
        ReductionNotice.forwarded_to == partner, ReductionNotice.status == "settled",
        ReductionNotice.settled_on >= date_from, ReductionNotice.settled_on <= date_to).order_by(ReductionNotice.seq)
    return list((await session.execute(stmt)).scalars())


def authorisation_request(body: NoticeIn, caller: Caller, key: str) -> dict[str, Any]:
    return {"authorisation_ref": key, "hospital_code": hospital_of(caller), "notice": body.model_dump(mode="json"),
            "usage_province": caller.province or ""}


async def issue_via_partner(body: NoticeIn, caller: Caller, deps: NoticeDeps, partner: str) -> NoticeOut:
    """Usage side: the partner authorises; a local notice mirrors it under our own number."""
    hospital = hospital_of(caller)
    key = f"notice:{uuid.uuid4()}"
    assert deps.interop is not None
    answer = await deps.interop.authorise(authorisation_request(body, caller, key), body.province)
    if not answer.get("eligible"):
        return NoticeOut(eligible=False, reason=answer.get("reason"), explanation=answer.get("explanation", []))
    valid_until = (date.fromisoformat(answer["valid_until"]) if answer.get("valid_until")
                   else clock.today() + timedelta(days=deps.valid_days - 1))
    notice = await store_notice(body, caller, deps, hospital=hospital,
                                max_reducible_fen=int(answer["max_reducible_fen"]),
                                quote={"explanation": answer.get("explanation", [])}, hold_key=key,
                                valid_until=valid_until, forwarded_to=partner, partner_notice_no=answer["notice_no"])
    return out(notice, deps.cipher)


def report_to_partner(session: AsyncSession, notice: ReductionNotice, event: str, detail: dict[str, Any]) -> None:
    """Usage side: settlement or cancellation of a partner-authorised notice, through the outbox."""
    enqueue(session, notice, "interop_reduction", f"reduction:{notice.id}:{event}",  # type: ignore[arg-type]
            {"partner": notice.forwarded_to, "partner_notice_no": notice.partner_notice_no,
             "notice_no": notice.notice_no, "province": notice.province, "event": event, **detail},
            lane="partner")


def refuse_correction(notice: ReductionNotice) -> None:
    if notice.forwarded_to is not None:
        raise Conflict(f"跨省直免的冲正须由献血地平台 {notice.forwarded_to} 办理 (a partner's authorisation: "
                       "correct it with the partner)")
