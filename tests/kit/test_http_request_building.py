"""kit.http builds internal requests itself (base URL and default headers prepared once per
client): the request must be the one `client.build_request` would have built."""

from __future__ import annotations

import itertools

import pytest

from kit.http import _build_request, make_client

BASES = ("http://127.0.0.1:8001", "http://svc:80/sub/", "http://h")
URLS = ("/v1/quotes", "/v1/x?a=1", "rel/p", "/v1/donors/%E4%B8%AD", "/v1/中文")
ARGUMENTS = ({}, {"content": b'{"a":1}'}, {"json": {"a": 1}}, {"params": [("q", "1"), ("q", "2")]}, {"params": []},
             {"timeout": 3.0}, {"timeout": None}, {"content": None, "params": [], "timeout": 5})
HEADERS = ({}, {"X-Request-ID": "abc", "traceparent": "00-x"}, {"Accept": "text/plain", "user-agent": "me"})


@pytest.mark.parametrize("base", BASES)
async def test_the_same_request_as_build_request(base: str) -> None:
    client = make_client(base)
    try:
        for url, kwargs, headers, method in itertools.product(URLS, ARGUMENTS, HEADERS, ("GET", "post")):
            expected = client.build_request(method, url, headers=dict(headers), **kwargs)
            for _ in range(2):  # the first call prepares, the second uses what was kept
                built = _build_request(client, method, url, dict(headers), dict(kwargs))
                assert (built.method, str(built.url), built.headers.raw, built.content, built.extensions) == (
                    expected.method, str(expected.url), expected.headers.raw, expected.content, expected.extensions)
    finally:
        await client.aclose()
