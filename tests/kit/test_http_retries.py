"""kit.http.send retries only what is safe to repeat."""

from __future__ import annotations

import httpx
import pytest

from kit import http

FAST = http.RetryPolicy(attempts=3, base_s=0.0, cap_s=0.0)


def client_failing_with(errors: list[Exception | int]) -> tuple[httpx.AsyncClient, list[str]]:
    """A client whose transport raises or answers in turn; records each attempt's method."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        outcome = errors.pop(0) if errors else 200
        if isinstance(outcome, Exception):
            raise outcome
        return httpx.Response(outcome, headers={"retry-after": "0"})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://peer"), seen


async def test_a_refused_connection_is_retried_even_for_a_post() -> None:
    client, seen = client_failing_with([httpx.ConnectError("refused")])
    response = await http.send(client, "POST", "/x", retry=FAST)
    assert response.status_code == 200 and seen == ["POST", "POST"]


@pytest.mark.parametrize("error", [httpx.ConnectTimeout("hung up"), httpx.ReadError("reset")])
async def test_a_post_without_a_key_is_not_repeated_after_an_ambiguous_failure(error: Exception) -> None:
    client, seen = client_failing_with([error])
    with pytest.raises(type(error)):
        await http.send(client, "POST", "/x", retry=FAST)
    assert seen == ["POST"]


async def test_a_post_with_an_idempotency_key_is_retried_and_keeps_its_key() -> None:
    client, seen = client_failing_with([httpx.ReadError("reset"), 503])
    response = await http.send(client, "POST", "/x", idempotency_key="claim:1", retry=FAST)
    assert response.status_code == 200 and seen == ["POST", "POST", "POST"]


async def test_a_get_is_retried_on_503_but_a_post_is_not() -> None:
    client, seen = client_failing_with([503])
    assert (await http.send(client, "GET", "/x", retry=FAST)).status_code == 200
    client, seen = client_failing_with([503])
    assert (await http.send(client, "POST", "/x", retry=FAST)).status_code == 503
    assert seen == ["POST"]
