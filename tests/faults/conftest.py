"""One platform of real processes shared by the fault tests (starting one costs most of a minute):
claims reaches entitlement through a proxy that can SIGKILL claims at a chosen moment."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from stack.processes import free_port
from tests.faults.system import ADMIN_PASSWORD, Rig, System
from tests.payments.support import Process

GRACE_S = 20  # a hold whose owner never recorded it is released after this (CLAIMS_HOLD_GUARD_GRACE_S)
FAST = {
    "claims": {"CLAIMS_OUTBOX_POLL_S": "0.2", "CLAIMS_OUTBOX_RETRY_BASE_S": "0.2", "CLAIMS_OUTBOX_RETRY_CAP_S": "2",
               "CLAIMS_IDEMPOTENCY_LEASE_S": "3", "CLAIMS_HOLD_GUARD_GRACE_S": str(GRACE_S)},
    "payments-worker": {"PAYMENTS_WORKER_IDLE_S": "0.2", "PAYMENTS_RETRY_BASE_S": "0.2", "PAYMENTS_RETRY_CAP_S": "2",
                        "PAYMENTS_SENT_POLL_S": "0.3", "PAYMENTS_OUTBOX_RETRY_BASE_S": "0.2",
                        "PAYMENTS_OUTBOX_RETRY_CAP_S": "2", "PAYMENTS_RECONCILIATION_ENABLED": "false"},
}


@pytest.fixture(scope="package")
async def rig(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rig]:
    logs = tmp_path_factory.mktemp("faults")
    system = System(logs, overrides=FAST)
    proxy: Process | None = None
    try:
        await system.start()
        port = free_port()
        proxy = Process("killing-proxy", [sys.executable, "-m", "tests.support.killing_proxy", "--port", str(port),
                                          "--upstream", system.url_of("entitlement")], {}, logs).start()
        proxy_url = f"http://127.0.0.1:{port}"
        # From now on claims reaches entitlement through the proxy (which passes everything on until armed).
        system.kill("claims")
        await system.restart("claims", CLAIMS_ENTITLEMENT_URL=proxy_url)
        async with httpx.AsyncClient(base_url=system.url_of("gateway"), timeout=90, trust_env=False,
                                     limits=httpx.Limits(max_connections=64)) as http:
            admin = await system.login(http, "admin", ADMIN_PASSWORD)
            yield Rig(system, proxy_url, http, admin)
    finally:
        if proxy is not None:
            proxy.stop()
        await system.stop()
