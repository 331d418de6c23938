"""What one call between our processes costs in the client, without the network:
`python -m bench.http_call`. A transport that answers at once stands in for the service, so the
figure is httpx's own work per call: `client.request` against `kit.http`'s leaner path."""

from __future__ import annotations

import asyncio
import time

import httpx

from kit import http

CALLS = 20_000
BODY = b'{"province":"11","items":[{"product":"red_cells","quantity":2}]}' * 6
HEADERS = {"content-type": "application/json", "X-Caller": "x" * 400, "X-Request-ID": "0" * 32}


class Instant(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b'{"ok":true}'),
                              headers={"content-type": "application/json"})


async def _per_call_us(call: object) -> float:
    t0 = time.perf_counter()
    for _ in range(CALLS):
        await call()  # type: ignore[operator]
    return (time.perf_counter() - t0) / CALLS * 1e6


async def main() -> None:
    async with http.make_client("http://127.0.0.1:8001", transport=Instant()) as client:
        def by_client():  # noqa: ANN202
            return client.request("POST", "/v1/quotes", content=BODY, headers=HEADERS)

        def by_kit():  # noqa: ANN202
            return http._request(client, "POST", "/v1/quotes", dict(HEADERS), content=BODY)  # noqa: SLF001

        for name, call in (("client.request", by_client), ("kit.http", by_kit)) * 2:  # second pass warm
            print(f"{name:>15}: {await _per_call_us(call):6.1f} µs per call")


if __name__ == "__main__":
    asyncio.run(main())
