"""The gateway waits longer than any service can take with its own retries, so a client is never
told "try again" about a request that is still going through (and then retries into a second)."""

from __future__ import annotations

from gateway.settings import GatewaySettings
from kit.http import RetryPolicy
from services.claims.settings import Settings as ClaimsSettings
from services.payments.settings import Settings as PaymentsSettings


def test_the_gateway_outwaits_the_slowest_downstream_and_its_retries() -> None:
    gateway = GatewaySettings()
    claims, payments = ClaimsSettings(), PaymentsSettings()
    # Claims submits and issues notices by calling entitlement (kit.http.send, default policy).
    slowest = RetryPolicy().worst_case_s(claims.downstream_timeout_s)
    assert slowest == 50.0
    assert gateway.downstream_timeout_s > slowest
    # A request that waits on a running Idempotency-Key answers within its wait, far inside the timeout.
    assert gateway.downstream_timeout_s > slowest + claims.idempotency_wait_s + claims.db_pool_timeout_s
    # Payments answers its API from its own database only (the bank is the worker's business).
    assert gateway.downstream_timeout_s > payments.db_pool_timeout_s + payments.db_statement_timeout_ms / 1000


def test_a_hold_guard_outlasts_the_slowest_submit() -> None:
    claims = ClaimsSettings()
    assert claims.hold_guard_grace_s > RetryPolicy().worst_case_s(claims.downstream_timeout_s) * 2
