"""The pure matching of platform transfers against statement lines."""

from __future__ import annotations

import uuid

from services.payments.channels.base import StatementLine
from services.payments.reconciliation.matching import PlatformTransfer, match


def ours(no: str, amount: int = 100, status: str = "succeeded") -> PlatformTransfer:
    return PlatformTransfer(no, amount, status, uuid.uuid4(), f"claim:{no}", 1)


def line(no: str, amount: int = 100, state: str = "succeeded") -> StatementLine:
    return StatementLine(no, amount, state)  # type: ignore[arg-type]


def kinds(findings) -> dict[str, str]:
    return {f.merchant_transfer_no: f.kind for f in findings}


def test_each_kind() -> None:
    day = [ours("A"), ours("B", 100), ours("C"), ours("D", status="succeeded")]
    statement = [line("A"), line("B", 101), line("X"), line("D", state="returned")]
    known = {t.merchant_transfer_no: t for t in day}
    assert kinds(match(day, statement, known)) == {
        "A": "matched", "B": "amount_mismatch", "X": "missing_here", "C": "missing_at_bank", "D": "status_mismatch"}


def test_a_platform_that_lags_the_bank_is_not_a_mismatch() -> None:
    # Sent here, settled or bounced there: the worker will catch up; nothing to act on.
    for state in ("succeeded", "returned", "processing"):
        assert kinds(match([ours("A", status="processing")], [line("A", state=state)],
                           {"A": ours("A", status="processing")})) == {"A": "matched"}


def test_a_bank_payment_the_platform_thinks_failed_or_returned_is_flagged() -> None:
    for status in ("failed", "returned"):
        assert kinds(match([], [line("A", state="succeeded")], {"A": ours("A", status=status)})) == {
            "A": "status_mismatch"}


def test_a_line_dated_another_day_still_matches_its_transfer() -> None:
    assert kinds(match([], [line("A")], {"A": ours("A")})) == {"A": "matched"}


def test_a_number_listed_twice_by_the_bank_is_flagged() -> None:
    findings = match([ours("A")], [line("A"), line("A")], {"A": ours("A")})
    assert [f.kind for f in findings] == ["matched", "missing_here"]


def test_a_send_still_without_an_answer_is_missing_at_bank_and_says_so() -> None:
    [finding] = match([ours("A", status="new")], [], {})
    assert finding.kind == "missing_at_bank" and "尚无应答" in finding.detail
