from __future__ import annotations

import httpx


async def test_docs_index_lists_every_surface(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/docs")
    assert response.status_code == 200
    for surface in ("api", "ops", "his", "interop"):
        assert f'href="/{surface}/v1/docs"' in response.text


async def test_ops_openapi_has_login_and_the_forwarded_operations(gateway: httpx.AsyncClient) -> None:
    doc = (await gateway.get("/ops/v1/openapi.json")).json()
    assert "post" in doc["paths"]["/ops/v1/auth/token"]
    assert doc["paths"]["/ops/v1/whoami/entitlement"]["get"]["operationId"] == "whoami"
    assert doc["paths"]["/ops/v1/whoami/entitlement"]["get"]["security"] == [{"bearer": []}]


async def test_the_partner_api_is_documented_beside_its_pass_through(gateway: httpx.AsyncClient) -> None:
    """The gateway's own /interop/v1/openapi.json and docs, not forwarded to the interop service as a
    partner message would be."""
    doc = (await gateway.get("/interop/v1/openapi.json")).json()
    assert doc["paths"]["/interop/v1/claims"]["post"]["security"] == [{"httpsig": []}]
    assert (await gateway.get("/interop/v1/docs")).headers["content-type"].startswith("text/html")


async def test_swagger_ui_is_served_without_a_cdn(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/ops/v1/docs")
    assert "/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    bundle = await gateway.get("/docs/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.content) > 100_000


async def test_client_placeholder_is_served_at_the_root(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/")
    assert page.status_code == 200
    assert "全国电子无偿献血证" in page.text


async def test_health_and_readiness(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/healthz")).json() == {"status": "ok"}
    assert (await gateway.get("/readyz")).json() == {"status": "ready"}
