"""What payments tells us (paid, bounced, failed), and the applicant's corrected account.

A returned transfer (wrong account, 退票) and a failed one (refused by the bank for good) both
come back to the applicant, visibly: `payee_correction` or `payment_failed`, with the bank's
reason, a message, and the same way out: a corrected account, sent again as a new attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import FieldCipher, mask_bank_account
from kit.identity import Caller
from kit.problems import Conflict
from services.claims.audit import service as audit
from services.claims.intake import donors
from services.claims.intake.models import ACCOUNT, Claim
from services.claims.intake.schemas import PayeeIn
from services.claims.intake.service import check_payee
from services.claims.outbox.enqueue import enqueue, notify


class PaymentEvent(BaseModel):
    event_id: str
    disbursement_id: str
    source_ref: str
    event: Literal["succeeded", "returned", "failed"]
    amount_fen: int
    reason: str | None = None
    occurred_at: datetime | None = None


class PayeeCorrection(BaseModel):
    payee: PayeeIn
    reason: str = Field("收款账户更正", max_length=500)


def apply_event(session: AsyncSession, claim: Claim, event: PaymentEvent, caller: Caller) -> None:
    """Idempotent by state: an event that no longer applies changes nothing."""
    claim.disbursement_id = event.disbursement_id
    if event.event == "succeeded" and claim.status == "approved":
        claim.paid_fen = event.amount_fen
        audit.record(session, claim, caller, "paid", from_status="approved", to_status="paid",
                     reason=event.reason, detail={"disbursement_id": event.disbursement_id, "event_id": event.event_id})
        claim.status = "paid"
        notify(session, claim, "paid")
    elif event.event == "returned" and claim.status == "approved":
        audit.record(session, claim, caller, "payment_returned", from_status="approved", to_status="payee_correction",
                     reason=event.reason, detail={"disbursement_id": event.disbursement_id})
        claim.status = "payee_correction"
        notify(session, claim, "payee_correction", seq=_unique_suffix())
    elif event.event == "failed" and claim.status == "approved":
        audit.record(session, claim, caller, "payment_failed", from_status="approved", to_status="payment_failed",
                     reason=event.reason, detail={"disbursement_id": event.disbursement_id})
        claim.status, claim.payment_error = "payment_failed", event.reason or "转账失败 (the transfer failed)"
        notify(session, claim, "payment_failed", note=claim.payment_error, seq=_unique_suffix())


def _unique_suffix() -> int:
    # A claim can bounce and be corrected more than once; each round is its own message.
    return int(clock.now().timestamp() * 1000)


CORRECTABLE = ("payee_correction", "payment_failed")


def correct_payee(session: AsyncSession, claim: Claim, body: PayeeCorrection, caller: Caller,
                  cipher: FieldCipher) -> None:
    if claim.status not in CORRECTABLE:
        raise Conflict("只有转账被退回或失败时才能更正收款账户 "
                       "(the account can be corrected only after a returned or failed transfer)")
    check_payee(body.payee.account_name, donor_deceased=claim.donor_deceased, donor_names=donors.names(claim),
                relative=claim.payee_relative)
    was = claim.status
    claim.payee_account_name, claim.payee_bank_name = body.payee.account_name, body.payee.bank_name
    claim.payee_account_encrypted = cipher.encrypt(body.payee.account_number, context=ACCOUNT)
    claim.payee_account_masked = mask_bank_account(body.payee.account_number)
    audit.record(session, claim, caller, "payee_corrected", from_status=was, to_status="approved",
                 reason=body.reason, detail={"account_number_masked": claim.payee_account_masked})
    claim.status, claim.payment_error = "approved", None
    enqueue(session, claim, "payee_update", f"payee:{claim.id}:{claim.payee_account_masked}:{_unique_suffix()}", {
        "disbursement_id": claim.disbursement_id, "reason": body.reason,
        "payee": {"account_name": claim.payee_account_name, "bank_name": claim.payee_bank_name,
                  "account_number_encrypted": claim.payee_account_encrypted},
    })
