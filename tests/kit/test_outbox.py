"""kit.outbox on a row alone: a failure is counted, backs off, and keeps its error masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from kit.outbox import OutboxPolicy, failed
from tests.support.people import resident_id

NOW = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def row() -> SimpleNamespace:
    return SimpleNamespace(attempts=0, last_error=None, status="pending", dead_at=None, next_attempt_at=NOW)


def test_a_failure_backs_off_then_ends_dead_with_the_error_masked() -> None:
    """The last error shows in the dead-letter list and the claim's audit trail: a peer's answer that
    quotes an ID number or a card (a validation message, a driver's error) is masked like a log line."""
    donor = resident_id("19800101")
    policy = OutboxPolicy(max_attempts=2, base_s=1, cap_s=10)
    message = row()
    error = f"HTTP 422: donor {donor} has no card 6222021234567891234 on file, phone 13912345678"
    assert failed(message, error, permanent=False, policy=policy, now=NOW) is False
    assert message.status == "pending" and message.next_attempt_at > NOW
    assert message.next_attempt_at <= NOW + timedelta(seconds=10)
    assert failed(message, error, permanent=False, policy=policy, now=NOW) is True
    assert (message.status, message.attempts, message.dead_at) == ("dead", 2, NOW)
    masked = donor[:6] + "********" + donor[-4:]
    assert message.last_error == f"HTTP 422: donor {masked} has no card 6222 **** **** 1234 on file, phone 139****5678"


def test_a_permanent_failure_is_a_dead_letter_at_once() -> None:
    message = row()
    assert failed(message, "HTTP 409: hold is released", permanent=True, policy=OutboxPolicy(), now=NOW) is True
    assert (message.status, message.attempts, message.last_error) == ("dead", 1, "HTTP 409: hold is released")
