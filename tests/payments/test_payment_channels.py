"""Channel adapters map their channel's answers onto one interface; doubt is never success."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from kit.outbox import backoff
from services.payments.channels.alipay import AlipayChannel
from services.payments.channels.bank_transfer import BankTransferChannel
from services.payments.channels.base import ChannelError, ChannelNotEnabled, TransferRequest
from services.payments.channels.wechat_pay import WechatPayChannel
from services.payments.disbursements import states
from services.payments.disbursements.models import Disbursement

REQUEST = TransferRequest("XF202611230123456789AB01", 100, "6222021234561234", "张三", "工商银行")


def bank_answering(status: int, payload: object) -> BankTransferChannel:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=payload) if not isinstance(payload, bytes) else \
            httpx.Response(status, content=payload)

    return BankTransferChannel("http://bank.test", merchant_id="T", timeout_s=1,
                               transport=httpx.MockTransport(handler))


async def test_bank_states_map_onto_the_channel_states() -> None:
    for bank_status, state in (("processing", "processing"), ("settled", "succeeded"), ("returned", "returned"),
                               ("rejected", "failed")):
        channel = bank_answering(200, {"merchant_transfer_no": REQUEST.merchant_transfer_no, "status": bank_status,
                                       "amount_fen": 100, "accepted_at": datetime.now(UTC).isoformat()})
        assert (await channel.query(REQUEST.merchant_transfer_no)).state == state


async def test_not_found_needs_the_banks_own_code_not_any_404() -> None:
    known = bank_answering(404, {"code": "TRANSFER_NOT_FOUND"})
    assert (await known.query("X")).state == "not_found"
    # A 404 from a wrong base URL or a proxy must not read as "never sent" (that would re-send).
    with pytest.raises(ChannelError):
        await bank_answering(404, {"detail": "Not Found"}).query("X")


async def test_a_refusal_is_a_failure_but_a_conflict_or_garbage_is_doubt() -> None:
    refused = await bank_answering(422, {"code": "INVALID_REQUEST", "message": "bad account"}).send(REQUEST)
    assert refused.state == "failed" and "bad account" in (refused.reason or "")
    for status, payload in ((409, {"code": "DUPLICATE_TRANSFER_NO"}), (200, b"<html>"), (503, {}),
                            (200, {"status": "weird"})):
        with pytest.raises(ChannelError):
            await bank_answering(status, payload).send(REQUEST)


async def test_an_unreachable_bank_is_doubt() -> None:
    channel = BankTransferChannel("http://127.0.0.1:9", merchant_id="T", timeout_s=1)
    try:
        with pytest.raises(ChannelError):
            await channel.send(REQUEST)
    finally:
        await channel.aclose()


async def test_alipay_and_wechat_pay_refuse_clearly_until_enabled() -> None:
    for channel in (AlipayChannel("app-id"), WechatPayChannel("mch-id")):
        assert channel.enabled is False
        for call in (channel.send(REQUEST), channel.query("X"), channel.statement(date.today())):
            with pytest.raises(ChannelNotEnabled, match="not enabled"):
                await call


def test_a_request_never_shows_the_account_number() -> None:
    assert REQUEST.account_number not in repr(REQUEST)


def test_merchant_numbers_are_unique_per_attempt_and_fit_every_channel() -> None:
    d = uuid.uuid4()
    moment = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 2026-11-24 04:00 in China
    first, second = states.merchant_transfer_no(d, 1, moment), states.merchant_transfer_no(d, 2, moment)
    assert first == f"XF20261124{d.hex[:12].upper()}01" and second.endswith("02")
    assert len(first) == 24 and first.isalnum()
    assert states.merchant_transfer_no(uuid.uuid4(), 1, moment) != first


def test_backoff_grows_to_its_cap_with_jitter_inside_the_window() -> None:
    for tries, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (10, 30.0), (1000, 30.0)):
        delays = [backoff(tries, 1.0, 30.0) for _ in range(200)]
        assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays)
        assert len(set(delays)) > 1


def test_only_the_state_machine_transitions_are_allowed() -> None:
    class Sink:
        def add(self, _: object) -> None:
            pass

    d = Disbursement(id=uuid.uuid4(), state="pending", attempt=1)
    for illegal in ("succeeded", "returned", "pending"):
        with pytest.raises(states.IllegalTransition):
            states.move(Sink(), d, illegal, reason="x", actor="t")  # type: ignore[arg-type]
    states.move(Sink(), d, "sent", reason="x", actor="t")  # type: ignore[arg-type]
    states.move(Sink(), d, "returned", reason="x", actor="t")  # type: ignore[arg-type]
    assert d.finished_at is not None
    states.move(Sink(), d, "pending", reason="corrected", actor="t")  # type: ignore[arg-type]
    assert d.finished_at is None
    with pytest.raises(states.IllegalTransition):
        states.move(Sink(), Disbursement(state="succeeded"), "returned", reason="x", actor="t")  # type: ignore[arg-type]
