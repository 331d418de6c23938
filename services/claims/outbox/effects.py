"""What a delivered row changes here, in the row's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.claims.intake.holds import hold_key
from services.claims.intake.models import Claim
from services.claims.outbox.enqueue import enqueue_once
from services.claims.outbox.models import OutboxMessage, SentNotification
from services.claims.reductions.models import HospitalStatement, ReductionNotice
from services.claims.review import attention


async def record(session: AsyncSession, row: OutboxMessage, effect: dict[str, Any]) -> str | None:
    """Apply the outcome; returns a note kept on the row (why nothing was sent, what followed)."""
    if row.kind == "notification":
        # The SANDBOX sender records what would be sent. A real adapter (WeChat subscription
        # message, SMS gateway) takes the same payload in deliver._call.
        p = row.payload
        session.add(SentNotification(claim_id=row.claim_id, recipient=p["recipient"], template=p["template"],
                                     text=p["text"]))
        return None
    if row.kind == "hold_guard":
        return await _guard_due(session, row)
    if row.kind == "hold_commit":
        if "refused" in effect:
            claim = await session.get(Claim, row.claim_id, with_for_update=True)
            if claim is not None:
                attention.needs_attention(session, claim, effect["refused"])
            return f"commit refused, claim needs attention: {effect['refused']}"[:1000]
        for follow in row.payload.get("then", []):
            # Consumption confirmed: only now is the money asked for (no payout without consumption).
            await enqueue_once(session, row.claim_id, follow["kind"], follow["key"], follow["payload"])
        return None
    if "disbursement_id" in effect:
        claim = await session.get(Claim, row.claim_id, with_for_update=True)
        if claim is not None and claim.disbursement_id is None:
            claim.disbursement_id = effect["disbursement_id"]
        statement = None if claim is not None else await session.get(HospitalStatement, row.claim_id)
        if statement is not None and statement.disbursement_id is None:
            statement.disbursement_id = effect["disbursement_id"]
    return None


async def _guard_due(session: AsyncSession, row: OutboxMessage) -> str:
    """The guard's grace ran out and its owner never confirmed: release the hold, and make sure the
    owner cannot record it afterwards (a claim moves to its next hold key, a notice becomes void)."""
    key = row.payload["hold_key"]
    if row.payload["owner"] == "claim":
        claim = await session.get(Claim, row.claim_id, with_for_update=True)
        if claim is not None and claim.hold_key == key:
            return "confirmed by its owner"
        if claim is not None and claim.status == "draft" and hold_key(claim) == key:
            claim.submit_attempts += 1
    else:
        notice = await session.get(ReductionNotice, row.claim_id, with_for_update=True)
        if notice is not None and notice.status not in ("pending", "void"):
            return "confirmed by its owner"
        if notice is not None and notice.status == "pending":
            notice.status = "void"
    await enqueue_once(session, row.claim_id, "hold_release", f"release:{key}",
                       {"hold_key": key, "reason": "owner never recorded the hold (abandoned or withdrawn)"})
    return "owner never confirmed: hold released"
