"""The list contract: a JSON array, `limit` (50, at most 200), an opaque cursor, and the next page
in `Link` and `X-Next-Cursor`; one query per page, never one per row; formulas in CSV exports
neutralised."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from kit.csvexport import safe_cell, to_csv
from kit.paging import _fits, decode_cursor, encode_cursor
from services.claims.audit.models import ClaimEvent
from services.claims.intake.models import Claim
from tests.claims.helpers import claim_body, seed_donor
from tests.support.apps import AppStack


def test_a_cursor_keeps_the_type_of_each_sort_key() -> None:
    values = (date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), uuid.UUID(int=7), "H1", 42)
    assert decode_cursor(encode_cursor(values)) == values


@pytest.mark.parametrize(("key", "value", "fits"), [
    (Claim.created_at, datetime(2024, 1, 2, tzinfo=UTC), True), (Claim.created_at, "2024-01-02", False),
    (Claim.due_on, date(2024, 1, 2), True), (Claim.due_on, datetime(2024, 1, 2, tzinfo=UTC), False),
    (Claim.id, uuid.UUID(int=1), True), (Claim.id, 1, False),
    (Claim.reference, "R-1", True), (Claim.reference, "R\x00", False),
    (ClaimEvent.id, 2**63 - 1, True), (ClaimEvent.id, 2**63, False), (ClaimEvent.id, True, False),
    (Claim.submit_attempts, 2**31 - 1, True), (Claim.submit_attempts, 2**31, False),
])
def test_a_cursor_value_must_be_comparable_with_its_sort_key(key: Any, value: Any, fits: bool) -> None:
    """Else a made-up cursor would reach the driver as a bad parameter: a 500 instead of a 422."""
    assert _fits(key, value) is fits


@pytest.mark.parametrize("garbage", ["not-a-cursor", "e30", "W1sieCIsMV1d"])  # junk, {}, [["x",1]]
def test_a_cursor_that_no_list_gave_out_is_a_422_naming_it(garbage: str) -> None:
    with pytest.raises(Exception) as raised:
        decode_cursor(garbage)
    assert getattr(raised.value, "status", None) == 422
    assert raised.value.errors[0].field == "cursor"  # type: ignore[attr-defined]


@pytest.mark.parametrize("cell", ["=1+1", "+A1", "-cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1",
                                  '=HYPERLINK("http://x","点我")'])
def test_a_cell_that_would_run_as_a_formula_is_kept_as_text(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-12.50", "+3", "440.00", "张三", "R-0001", ""])
def test_numbers_and_plain_text_stay_as_they_are(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_an_export_has_a_bom_and_neutralised_cells() -> None:
    text = to_csv(["收据号", "金额"], [["=2+5", "-1.00"]])
    assert text == "\ufeff收据号,金额\r\n'=2+5,-1.00\r\n"


async def test_the_claims_queue_pages_through_the_gateway_by_its_link(stack: AppStack, admin_headers) -> None:
    gw = stack.gateway
    await seed_donor(gw, admin_headers)
    created = []
    for n in range(5):
        response = await gw.post("/ops/v1/claims", headers=admin_headers, json=claim_body(invoice_number=f"P{n}"))
        created.append(response.json()["id"])
    seen: list[str] = []
    url = "/ops/v1/claims?limit=2&status=draft"
    pages = 0
    while url:
        response = await gw.get(url, headers=admin_headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert isinstance(page, list) and len(page) <= 2
        seen += [c["id"] for c in page]
        pages += 1
        link = response.headers.get("link")
        if link is None:
            assert "x-next-cursor" not in response.headers
            break
        assert link.endswith('>; rel="next"') and link.startswith("<?")
        assert response.headers["x-next-cursor"] in link
        url = "/ops/v1/claims" + link[1:link.index(">")]  # a relative reference: same path, new query
        assert "status=draft" in url and "limit=2" in url
    assert pages == 3
    assert sorted(seen) == sorted(created) and len(set(seen)) == 5


async def test_limit_is_bounded_and_a_bad_cursor_is_refused(stack: AppStack, admin_headers) -> None:
    too_many = await stack.gateway.get("/ops/v1/claims?limit=201", headers=admin_headers)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"
    bad = await stack.gateway.get("/ops/v1/claims?cursor=zzz", headers=admin_headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    # Well formed, but not this list's: the keys are (due date, created at, id), not three strings.
    other = encode_cursor(("a", "b", "c"))
    forged = await stack.gateway.get(f"/ops/v1/claims?cursor={other}", headers=admin_headers)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"
    # The right length and kinds, but a timestamp where the due date goes.
    other = encode_cursor((datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC), uuid.UUID(int=1)))
    forged = await stack.gateway.get(f"/ops/v1/claims?cursor={other}", headers=admin_headers)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"
    fits = encode_cursor((date(2024, 1, 2), datetime(2024, 1, 2, tzinfo=UTC), uuid.UUID(int=1)))
    assert (await stack.gateway.get(f"/ops/v1/claims?cursor={fits}", headers=admin_headers)).status_code == 200


async def test_a_list_costs_the_same_queries_for_two_claims_or_ten(stack: AppStack, admin_headers) -> None:
    gw = stack.gateway
    await seed_donor(gw, admin_headers)
    engine = stack.apps["claims"].state.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    async def queries_for_a_list() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = await gw.get("/ops/v1/claims", headers=admin_headers)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements)

    for n in range(2):
        await gw.post("/ops/v1/claims", headers=admin_headers, json=claim_body(invoice_number=f"Q{n}"))
    with_two = await queries_for_a_list()
    for n in range(2, 10):
        await gw.post("/ops/v1/claims", headers=admin_headers, json=claim_body(invoice_number=f"Q{n}"))
    with_ten = await queries_for_a_list()
    assert with_two == with_ten == 2  # the page of claims, and their documents in one query


async def test_in_memory_lists_page_the_same_way(stack: AppStack) -> None:
    first = await stack.gateway.get("/api/v1/stations?limit=3")
    assert first.status_code == 200 and len(first.json()) == 3
    second = await stack.gateway.get(f"/api/v1/stations?limit=3&cursor={first.headers['x-next-cursor']}")
    assert {s["id"] for s in first.json()}.isdisjoint({s["id"] for s in second.json()})
    everything = (await stack.gateway.get("/api/v1/stations?limit=200")).json()
    assert [s["id"] for s in everything][:6] == [s["id"] for s in first.json() + second.json()]
    assert isinstance(httpx.Response(200, json=everything).json(), list)
