"""POST /ops/v1/donations: idempotent import, conflicts, row-level rejects, province scope."""

from __future__ import annotations

import asyncio

import httpx

from tests.entitlement.helpers import record
from tests.support.apps import AppStack
from tests.support.people import resident_id, with_wrong_check_digit

DONOR = resident_id("19800101")


async def test_import_then_the_same_again_changes_nothing(gateway: httpx.AsyncClient,
                                                          admin_headers: dict[str, str]) -> None:
    records = [record("D1", DONOR), record("D2", DONOR, donated_on="2021-05-01"),
               record("D3", resident_id("19900202"), name="李四")]
    first = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 3, "unchanged": 0, "rejected": []}
    again = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert again.json() == {"created": 0, "unchanged": 3, "rejected": []}


async def test_a_changed_record_is_a_409_naming_it_and_nothing_is_imported(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str], stack: AppStack
) -> None:
    await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [record("D1", DONOR)]})
    changed = [record("D9", DONOR), record("D1", DONOR, volume_ml=200)]
    response = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": changed})
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["field"] == "records[1]"
    assert body["conflicts"] == [{"index": 1, "station_code": "110000-BJBC", "donation_no": "D1"}]
    # D9 was in the same batch: it was not imported either.
    retry = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [record("D9", DONOR)]})
    assert retry.json()["created"] == 1


async def test_bad_rows_are_rejected_alone_with_reasons(gateway: httpx.AsyncClient,
                                                        admin_headers: dict[str, str]) -> None:
    records = [
        record("OK1", DONOR),
        record("BAD1", with_wrong_check_digit(DONOR)),
        record("BAD2", DONOR, volume_ml=250),
        record("BAD3", DONOR, donated_on="2999-01-01"),
        {"donation_no": "BAD4"},
        record("OK2", DONOR, kind="platelet_apheresis", volume_ml=None, units=2),
    ]
    response = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 2
    rejected = {r["index"]: r["problem"] for r in body["rejected"]}
    assert sorted(rejected) == [1, 2, 3, 4]
    assert "校验位" in rejected[1]
    assert "volume_ml" in rejected[2]
    assert "future" in rejected[3]
    assert "station_code" in rejected[4] and "cert_number" in rejected[4]


async def test_a_station_operator_imports_only_their_province(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str], stack: AppStack
) -> None:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_op", "password": "correct horse battery", "roles": ["station_operator"], "province": "11"})
    operator = await stack.login("bj_op", "correct horse battery")
    records = [record("BJ1", DONOR), record("ZJ1", DONOR, station="330000-ZJBC", province="33")]
    response = await gateway.post("/ops/v1/donations", headers=operator, json={"records": records})
    assert response.json()["created"] == 1
    assert response.json()["rejected"][0]["index"] == 1
    assert "province" in response.json()["rejected"][0]["problem"]


async def test_a_reviewer_cannot_import(gateway: httpx.AsyncClient,
                                        admin_headers: dict[str, str], stack: AppStack) -> None:
    await gateway.post("/ops/v1/users", headers=admin_headers, json={
        "username": "bj_rev", "password": "correct horse battery", "roles": ["reviewer"], "province": "11"})
    reviewer = await stack.login("bj_rev", "correct horse battery")
    response = await gateway.post("/ops/v1/donations", headers=reviewer, json={"records": [record("X", DONOR)]})
    assert response.status_code == 403


async def test_an_empty_or_shapeless_body_is_a_422_naming_records(gateway: httpx.AsyncClient,
                                                                  admin_headers: dict[str, str]) -> None:
    for body in ({"records": []}, {"rows": []}):
        response = await gateway.post("/ops/v1/donations", headers=admin_headers, json=body)
        assert response.status_code == 422
        assert "records" in {e["field"] for e in response.json()["errors"]}


async def test_ten_thousand_records_import_in_one_request(gateway: httpx.AsyncClient,
                                                          admin_headers: dict[str, str]) -> None:
    records = [record(f"N{i:05d}", resident_id("19700101", seq=i % 1000, area=f"{110101 + i // 1000}"),
                      donated_on="2019-01-01")
               for i in range(10_000)]
    response = await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert response.status_code == 200, response.text[:500]
    assert response.json() == {"created": 10_000, "unchanged": 0, "rejected": []}


async def test_id_numbers_are_stored_encrypted_and_masked(gateway: httpx.AsyncClient,
                                                          admin_headers: dict[str, str], db) -> None:
    from sqlalchemy import text

    await gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": [record("D1", DONOR)]})
    async with db.connect() as conn:
        row = (await conn.execute(text(
            "SELECT cert_number_encrypted, cert_number_index, cert_number_masked FROM entitlement.donors"))).one()
    assert DONOR not in row.cert_number_encrypted and row.cert_number_encrypted.startswith("v1.k1.")
    assert DONOR not in row.cert_number_index
    assert row.cert_number_masked == DONOR[:6] + "********" + DONOR[-4:]


async def test_concurrent_imports_of_the_same_donors_and_records(gateway: httpx.AsyncClient,
                                                                 admin_headers: dict[str, str], db) -> None:
    """Four imports at once, sharing 40 new donors; two of them are the same records. Each donor is
    made once (the imports that lose the race find the winner's row), the repeated records are
    unchanged, and nothing is refused."""
    from sqlalchemy import text

    donors = [resident_id("19750101", seq=i) for i in range(40)]
    batches = [[record(f"C{b}-{i}", cert) for i, cert in enumerate(donors)] for b in (0, 0, 1, 2)]
    responses = await asyncio.gather(*(
        gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": batch}) for batch in batches))
    assert [r.status_code for r in responses] == [200] * 4, [r.text[:200] for r in responses]
    results = sorted((r.json()["created"], r.json()["unchanged"], r.json()["rejected"]) for r in responses)
    assert results == [(0, 40, []), (40, 0, []), (40, 0, []), (40, 0, [])]
    async with db.connect() as conn:
        donors_made = (await conn.execute(text("SELECT count(*) FROM entitlement.donors"))).scalar_one()
        records = (await conn.execute(text("SELECT count(*) FROM entitlement.donations"))).scalar_one()
    assert (donors_made, records) == (40, 120)


async def test_concurrent_imports_that_disagree_on_a_record(gateway: httpx.AsyncClient,
                                                            admin_headers: dict[str, str], db) -> None:
    """Two imports at once give the same record different content: one imports, the other is a 409
    naming it and imports nothing, whichever way the race went."""
    from sqlalchemy import text

    donor = resident_id("19750202", seq=7)
    first = [record("X1", donor, volume_ml=400), record("Y1", donor, donated_on="2021-01-01")]
    second = [record("X1", donor, volume_ml=200), record("Z1", donor, donated_on="2022-01-01")]
    responses = await asyncio.gather(*(
        gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": batch}) for batch in (first, second)))
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text[:200] for r in responses]
    won, lost = (0, 1) if responses[0].status_code == 200 else (1, 0)
    assert responses[won].json() == {"created": 2, "unchanged": 0, "rejected": []}
    assert responses[lost].json()["conflicts"] == [{"index": 0, "station_code": "110000-BJBC", "donation_no": "X1"}]
    async with db.connect() as conn:
        stored = dict((await conn.execute(text(
            "SELECT donation_no, volume_ml FROM entitlement.donations ORDER BY donation_no"))).all())
    winner = (first, second)[won]
    assert stored == {r["donation_no"]: r["volume_ml"] for r in winner}
