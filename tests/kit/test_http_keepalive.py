"""Calls between our processes give up an idle connection before the server would close it.

uvicorn closes a kept-alive connection idle for `timeout_keep_alive` seconds (5 by default, what
`make run` and compose give every service). A client keeping it as long can send a request just as
the server closes it: aiohttp reports ServerDisconnected (httpx-aiohttp: ConnectTimeout), kit.http
does not repeat a POST after it, and the caller gets a 503 for a request the service never saw."""

from __future__ import annotations

import asyncio
import inspect

import uvicorn

from kit import http
from stack.processes import uvicorn_child


async def test_a_connection_idle_longer_than_the_client_keeps_it_is_not_reused() -> None:
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while await reader.readuntil(b"\r\n\r\n"):  # bodyless requests; EOF ends the loop
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = http.make_client(f"http://127.0.0.1:{port}", keepalive_s=0.3)
    try:
        statuses = [(await http.send(client, "GET", "/a")).status_code,
                    (await http.send(client, "GET", "/b")).status_code]
        assert connections == 1  # back to back: the same connection
        await asyncio.sleep(0.5)
        statuses.append((await http.send(client, "GET", "/c")).status_code)
        assert connections == 2  # idle past keepalive_s: a new one, the old one never used again
        assert statuses == [200, 200, 200]
    finally:
        await client.aclose()
        server.close()


def test_the_client_gives_up_idle_connections_before_uvicorn_closes_them() -> None:
    server_keepalive_s = inspect.signature(uvicorn.Config).parameters["timeout_keep_alive"].default
    assert "--timeout-keep-alive" not in uvicorn_child("x", "m:f", 1, {}).argv  # the services run with it
    assert http.CLIENT_KEEPALIVE_S <= server_keepalive_s - 1.0
    assert http.make_client("http://peer")._transport.limits.keepalive_expiry == http.CLIENT_KEEPALIVE_S  # noqa: SLF001
