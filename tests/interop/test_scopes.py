"""Issue 11.2 for the interop routes (/ops/v1/interop/*): staff act within their province. The
partner directory, keys, audit and outbox are admin's; the evidence log and statements are the
platform's (the province it serves), so finance of another province sees none; a lookup is asked
for a blood use in the caller's own province; a forwarded claim's refresh is the platform's."""

from __future__ import annotations

from typing import Any

from tests.claims.helpers import DONOR
from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago, today
from tests.test_province_scope import staff


def lookup(usage_province: str) -> dict[str, Any]:
    person = {"cert_type": "resident_id", "cert_number": DONOR, "name": "张三"}
    return {"donor_province": "33", "consent_ref": "BJ-CONSENT-0001", "purpose": "claim", "donor": person,
            "beneficiary": person, "relationship": "self",
            "use": {"hospital_name": "北京大学第一医院", "usage_province": usage_province, "used_on": iso_days_ago(3),
                    "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 46_000}}


async def test_interop_routes_of_another_province_are_absent(stack: AppStack, partner: PartnerSetup) -> None:
    gw, admin = stack.gateway, partner.admin
    bj, zj = await staff(stack, admin, "11"), await staff(stack, admin, "33")
    day = {"date_from": today().isoformat(), "date_to": today().isoformat()}
    # Our own message to Zhejiang's (unreachable) platform is in the evidence log all the same.
    assert (await gw.post("/ops/v1/interop/lookups", headers=bj["op"],
                          json=lookup("11"))).status_code == 503
    assert len((await gw.get("/ops/v1/interop/evidence", params=day, headers=bj["fin"])).json()) >= 1
    assert (await gw.get("/ops/v1/interop/evidence", params=day, headers=zj["fin"])).json() == []
    assert (await gw.get("/ops/v1/interop/statements", headers=zj["fin"])).json() == []
    sent = await gw.post("/ops/v1/interop/statements", headers=zj["fin"],
                         json={"partner": "zj", "period": "2025-01"})
    assert sent.status_code == 404
    # A lookup is for blood used in the caller's province (admin: any).
    refused = await gw.post("/ops/v1/interop/lookups", headers=bj["op"], json=lookup("33"))
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "use.usage_province"
    refused = await gw.post("/ops/v1/interop/lookups", headers=zj["op"], json=lookup("33"))
    assert refused.status_code == 403
    assert (await gw.post("/ops/v1/interop/claims/BX3300000000000001/refresh",
                          headers=zj["op"])).status_code == 404
    # The directory, keys, audit and outbox: admin only.
    for path in ("/ops/v1/interop/partners", "/ops/v1/interop/own-keys", "/ops/v1/interop/audit",
                 "/ops/v1/interop/outbox"):
        assert (await gw.get(path, headers=bj["fin"])).status_code == 403, path
        assert (await gw.get(path, headers=admin)).status_code == 200, path
