"""/metrics: requests by route template and status, the database pool, and where each app serves it."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from kit.metrics import Metrics, serve
from stack.processes import free_port
from tests.support.metrics import value
from tests.support.people import resident_id

UNKNOWN = resident_id("19850505", seq=901)


def quote(cert: str = UNKNOWN) -> dict[str, object]:
    person = {"cert_type": "resident_id", "cert_number": cert}
    return {"province": "11", "donor": person, "beneficiary": person, "relationship": "self",
            "used_on": "2025-03-01", "usage_province": "11", "items": [{"product": "red_cells", "quantity": 2}],
            "blood_fee_fen": 88000}


async def test_services_count_requests_by_route_template_and_status(stack, gateway, admin_headers) -> None:
    refused = await gateway.post("/ops/v1/quotes", headers=admin_headers, json=quote())
    assert refused.status_code == 404
    missing = await gateway.get(f"/ops/v1/claims/{uuid.uuid4()}", headers=admin_headers)
    assert missing.status_code == 404

    entitlement = (await stack.services["entitlement"].get("/metrics")).text
    assert value(entitlement, "xuefei_http_requests_total", method="POST", route="/v1/quotes", status="404") == 1
    assert value(entitlement, "xuefei_http_request_duration_seconds_count",
                 method="POST", route="/v1/quotes", status="404") == 1
    claims = (await stack.services["claims"].get("/metrics")).text
    # The template, not the id: one series per route, whatever ids are asked for.
    assert value(claims, "xuefei_http_requests_total", method="GET", route="/v1/claims/{claim_id}", status="404") == 1
    gateway_text = (await stack.apps["gateway"].state.metrics.render()).decode()
    assert value(gateway_text, "xuefei_http_requests_total", method="POST", route="/ops/v1/quotes", status="404") == 1
    assert value(gateway_text, "xuefei_http_requests_total", method="POST", route="/ops/v1/auth/token",
                 status="200") == 1


async def test_paths_without_a_route_share_one_label(stack) -> None:
    entitlement = stack.services["entitlement"]
    for path in ("/v1/nothing-here", "/v1/nor-here/123"):
        assert (await entitlement.get(path)).status_code == 404
    text = (await entitlement.get("/metrics")).text
    assert value(text, "xuefei_http_requests_total", method="GET", route="unmatched", status="404") == 2


async def test_the_gateways_public_port_has_no_metrics(gateway) -> None:
    response = await gateway.get("/metrics")
    assert response.status_code == 404
    assert "xuefei_" not in response.text


async def test_the_gateway_serves_its_metrics_on_an_internal_listener(stack, gateway, admin_headers) -> None:
    await gateway.post("/ops/v1/quotes", headers=admin_headers, json=quote())
    port = free_port()
    listener = await serve(stack.apps["gateway"].state.metrics, "127.0.0.1", port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            scraped = await client.get("/metrics")
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain; version=")
            assert value(scraped.text, "xuefei_http_requests_total", method="POST", route="/ops/v1/quotes",
                         status="404") == 1
            assert value(scraped.text, "xuefei_db_pool_capacity", pool="main") == 10 + 10  # test settings' pool
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            assert (await client.get("/ops/v1/quotes")).status_code == 404
    finally:
        listener.close()
        await listener.wait_closed()


async def test_the_pool_gauges_show_connections_in_use_and_callers_waiting(database_url: str) -> None:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=10)
    metrics = Metrics()
    metrics.watch_pool(engine, "probe")
    try:
        async with engine.connect():
            waiting = asyncio.create_task(_connect_once(engine))
            for _ in range(200):
                text = (await metrics.render()).decode()
                if value(text, "xuefei_db_pool_waiting", pool="probe") == 1:
                    break
                await asyncio.sleep(0.01)
            assert value(text, "xuefei_db_pool_waiting", pool="probe") == 1
            assert value(text, "xuefei_db_pool_in_use", pool="probe") == 1
            assert value(text, "xuefei_db_pool_capacity", pool="probe") == 1
        await waiting
        text = (await metrics.render()).decode()
        assert value(text, "xuefei_db_pool_waiting", pool="probe") == 0
        assert value(text, "xuefei_db_pool_in_use", pool="probe") == 0
        assert value(text, "xuefei_db_pool_idle", pool="probe") == 1
    finally:
        await engine.dispose()


async def _connect_once(engine) -> None:  # noqa: ANN001
    async with engine.connect():
        pass
