"""Create disbursements exactly once, correct a returned payee, and read them for finance."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.callers import province_scope
from kit.crypto import BlindIndex, FieldCipher, mask_bank_account, mask_name
from kit.identity import Caller
from kit.paging import Paging
from kit.problems import Conflict, NotFound, Unprocessable
from services.payments.disbursements import repository, states
from services.payments.disbursements.models import (
    ACCOUNT_CONTEXT,
    ATTEMPT_ACCOUNT_CONTEXT,
    Disbursement,
    FundingLine,
    TransferAttempt,
)
from services.payments.disbursements.schemas import (
    CARD_DIGITS,
    DisbursementIn,
    DisbursementOut,
    DisbursementSummary,
    FundingLineOut,
    FundingTotal,
    FundingTotalsOut,
    HistoryOut,
    PayeeCorrectionIn,
    PayeeIn,
    PayeeOut,
)

DIGEST_CONTEXT = "payments.disbursements.request"
CORRECTABLE = ("returned", "failed")


def request_digest(body: DisbursementIn, index: BlindIndex) -> str:
    """Keyed, so the stored digest cannot be brute-forced back to the account number."""
    data = body.model_dump(mode="json")
    # Neither the order of funding lines nor a zero line changes what is paid by whom.
    data["funding"] = sorted((line for line in data["funding"] if line["amount_fen"]), key=lambda line: line["source"])
    return index.digest(json.dumps(data, sort_keys=True, ensure_ascii=False), context=DIGEST_CONTEXT)


def visible_province(caller: Caller) -> str | None:
    """Staff bound to a province see that province's payments; admin and peer services see all."""
    return province_scope(caller)


async def create(session: AsyncSession, key: str, body: DisbursementIn, *, caller: Caller, cipher: FieldCipher,
                 index: BlindIndex, enabled_channels: Collection[str]) -> tuple[Disbursement, bool]:
    """(disbursement, created). The same key and body return the first disbursement."""
    _check_card(body.source_ref, body.payee)
    digest = request_digest(body, index)
    await repository.lock_source(session, body.source_ref)
    if (existing := await repository.by_key(session, key)) is not None:
        if existing.request_digest != digest:
            raise Conflict("Idempotency-Key was used with a different request", field="Idempotency-Key")
        return existing, False
    if body.channel not in enabled_channels:
        raise Unprocessable(f"付款通道 {body.channel} 未启用 (channel {body.channel} is not enabled)", field="channel")
    if (live := await repository.live_for_source(session, body.source_ref)) is not None:
        raise Conflict(f"{body.source_ref} 已有付款单 {live.id} ({live.state}); a source is paid once",
                       field="source_ref")
    now, disbursement_id = clock.now(), uuid.uuid4()
    no = states.merchant_transfer_no(disbursement_id, 1, now)
    d = Disbursement(
        id=disbursement_id, idempotency_key=key, request_digest=digest, source_ref=body.source_ref,
        province=body.province, channel=body.channel, amount_fen=body.amount_fen, state="pending", attempt=1,
        merchant_transfer_no=no, send_tries=0, polls=0, next_attempt_at=now, created_by=caller.subject,
        created_at=now, updated_at=now, **_payee_columns(body.payee, cipher, ACCOUNT_CONTEXT),
    )
    session.add(d)
    session.add_all(FundingLine(disbursement_id=d.id, source=line.source, amount_fen=line.amount_fen, position=i)
                    for i, line in enumerate(body.funding) if line.amount_fen > 0)
    session.add(_attempt(d, body.payee, cipher))
    states.record_created(session, d, reason=f"付款单已创建 (created for {body.source_ref})",
                          actor=caller.subject, at=now)
    try:
        await session.flush()
    except IntegrityError as exc:
        # Two requests with one key but different sources raced past the lookup.
        raise Conflict("Idempotency-Key was used concurrently with a different request",
                       field="Idempotency-Key") from exc
    return await _reload(session, d.id), True


def _check_card(source_ref: str, payee: PayeeIn) -> None:
    if source_ref.startswith("claim:") and not CARD_DIGITS.match(payee.account_number):
        raise Unprocessable("银行卡号须为15-19位数字 (a claim is paid to a bank card: 15-19 digits)",
                            field="payee.account_number")


def _payee_columns(payee: PayeeIn, cipher: FieldCipher, context: str) -> dict[str, str]:
    return {
        "payee_name": payee.account_name, "payee_bank_name": payee.bank_name,
        "payee_account_encrypted": cipher.encrypt(payee.account_number, context=context),
        "payee_account_masked": mask_bank_account(payee.account_number),
    }


def _attempt(d: Disbursement, payee: PayeeIn, cipher: FieldCipher,
             correction_key: str | None = None) -> TransferAttempt:
    return TransferAttempt(
        disbursement_id=d.id, attempt=d.attempt, merchant_transfer_no=d.merchant_transfer_no, channel=d.channel,
        amount_fen=d.amount_fen, status="new", correction_key=correction_key,
        **_payee_columns(payee, cipher, ATTEMPT_ACCOUNT_CONTEXT),
    )


async def _reload(session: AsyncSession, disbursement_id: uuid.UUID) -> Disbursement:
    d = await repository.get(session, disbursement_id)
    assert d is not None
    return d


async def correct_payee(session: AsyncSession, disbursement_id: uuid.UUID, body: PayeeCorrectionIn,
                        key: str | None, *, caller: Caller, cipher: FieldCipher) -> tuple[Disbursement, bool]:
    """(disbursement, changed). A returned or failed transfer goes out again, to the corrected account,
    as a new attempt with a new merchant number; the bounced attempt's number is never reused."""
    d = await repository.get(session, disbursement_id, for_update=True, history=False)
    if d is None:
        raise NotFound(f"no disbursement {disbursement_id}")
    if key is not None and (earlier := await repository.attempt_by_correction_key(session, d.id, key)):
        earlier_account = cipher.decrypt(earlier.payee_account_encrypted, context=ATTEMPT_ACCOUNT_CONTEXT)
        if earlier_account != body.payee.account_number:
            raise Conflict("Idempotency-Key was used with a different payee", field="Idempotency-Key")
        return await _reload(session, d.id), False
    _check_card(d.source_ref, body.payee)
    if d.state not in CORRECTABLE:
        raise Conflict(f"只有被退回或失败的付款才能更正收款账户，当前状态为 {d.state} "
                       f"(the payee can be corrected only after a returned or failed transfer)", field="payee")
    if d.state == "failed" and (live := await repository.live_for_source(session, d.source_ref)) is not None:
        raise Conflict(f"{d.source_ref} 已有付款单 {live.id} ({live.state}); a source is paid once", field="payee")
    now = clock.now()
    d.attempt += 1
    d.merchant_transfer_no = states.merchant_transfer_no(d.id, d.attempt, now)
    for column, value in _payee_columns(body.payee, cipher, ACCOUNT_CONTEXT).items():
        setattr(d, column, value)
    d.send_tries, d.polls, d.next_attempt_at, d.last_error, d.lease_token = 0, 0, now, None, None
    session.add(_attempt(d, body.payee, cipher, correction_key=key))
    states.move(session, d, "pending", at=now, actor=caller.subject,
                reason=f"收款账户已更正，第 {d.attempt} 次转账 (payee corrected: {body.reason})")
    await session.flush()
    return await _reload(session, d.id), True


async def get(session: AsyncSession, disbursement_id: uuid.UUID, caller: Caller) -> Disbursement:
    d = await repository.get(session, disbursement_id)
    province = visible_province(caller)
    if d is None or (province is not None and d.province != province):
        raise NotFound(f"no disbursement {disbursement_id}")
    return d


async def page(session: AsyncSession, caller: Caller, paging: Paging, *, state: str | None, source_ref: str | None,
               date_from: date | None, date_to: date | None) -> list[Disbursement]:
    _check_range(date_from, date_to)
    filters = repository.Filters(
        state=state, source_ref=source_ref, province=visible_province(caller),
        created_from=clock.day_bounds(date_from)[0] if date_from else None,
        created_before=clock.day_bounds(date_to)[1] if date_to else None,
    )
    return await repository.page(session, filters, paging)


async def funding_totals(session: AsyncSession, caller: Caller, date_from: date, date_to: date) -> FundingTotalsOut:
    _check_range(date_from, date_to)
    lines, total, count = await repository.funding_totals(
        session, clock.day_bounds(date_from)[0], clock.day_bounds(date_to)[1], visible_province(caller))
    return FundingTotalsOut(
        date_from=date_from, date_to=date_to, total_fen=total, disbursements=count,
        totals=[FundingTotal(source=s, amount_fen=a, disbursements=n) for s, a, n in lines],
    )


def _check_range(date_from: date | None, date_to: date | None) -> None:
    if date_from and date_to and date_to < date_from:
        raise Unprocessable("date_to is before date_from", field="date_to")


def summary(d: Disbursement) -> DisbursementSummary:
    return DisbursementSummary(
        id=d.id, source_ref=d.source_ref, province=d.province, channel=d.channel, state=d.state,  # type: ignore[arg-type]
        amount_fen=d.amount_fen, attempt=d.attempt, merchant_transfer_no=d.merchant_transfer_no,
        send_tries=d.send_tries, last_error=d.last_error, created_at=d.created_at, updated_at=d.updated_at,
        finished_at=d.finished_at,
        payee=PayeeOut(account_name=mask_name(d.payee_name), account_number_masked=d.payee_account_masked,
                       bank_name=d.payee_bank_name),
        funding=[FundingLineOut.model_validate(line) for line in d.funding],
    )


def detail(d: Disbursement) -> DisbursementOut:
    return DisbursementOut(**summary(d).model_dump(), history=[HistoryOut.model_validate(h) for h in d.history])
