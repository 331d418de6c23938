"""Demo donors for a fresh `make run`, imported through the public ops API as a station would.

Sign in on the client as WeChat test user `demo-donor`, bind with 张三 / 110105198503120215;
the SMS code appears in the client's sandbox panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class DemoDonor:
    name: str
    cert_number: str
    phone: str
    province: str
    donations: tuple[tuple[str, str, int | None, int | None, bool], ...]  # date, kind, mL, units, military


DEMO_DONORS = (
    # 1,200 mL over six donations: past Beijing's 1,000 mL, so unlimited for life; relatives 1x.
    DemoDonor("张三", "110105198503120215", "13800138000", "11", (
        ("2014-04-01", "whole_blood", 400, None, False), ("2017-06-15", "whole_blood", 200, None, False),
        ("2019-09-10", "whole_blood", 200, None, True), ("2021-03-20", "platelet_apheresis", None, 1, False),
    )),
    # 600 mL: 5x within ten years for herself, 1x for her family.
    DemoDonor("李四", "110108199007080326", "13900139000", "11", (
        ("2022-05-04", "whole_blood", 400, None, False), ("2024-11-11", "whole_blood", 200, None, False),
    )),
    DemoDonor("王五", "330106198805200541", "13700137000", "33", (
        ("2023-08-08", "whole_blood", 400, None, False),
    )),
)
DEMO_WECHAT_USER = "demo-donor"


def demo_records() -> list[dict[str, Any]]:
    records = []
    for donor in DEMO_DONORS:
        for i, (day, kind, ml, units, military) in enumerate(donor.donations, start=1):
            station = ("110000-PLA" if military else f"{donor.province}0000-XZ")
            records.append({
                "donation_no": f"DEMO-{donor.cert_number[-6:]}-{i}", "station_code": station,
                "cert_type": "resident_id", "cert_number": donor.cert_number, "name": donor.name,
                "province": donor.province, "military": military, "donated_on": day, "kind": kind,
                "volume_ml": ml, "units": units, "qualified": True, "phone": donor.phone,
            })
    return records


async def import_demo_donors(gateway_url: str, admin_password: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30, trust_env=False) as client:
        token = await client.post("/ops/v1/auth/token", data={"username": "admin", "password": admin_password})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = await client.post("/ops/v1/donations", headers=headers, json={"records": demo_records()})
        response.raise_for_status()
        return dict(response.json())
