"""Demo data for a fresh `make run`, entered through the public ops API as a station would.

Every date is relative to the day `make run` first starts, so on any day a new user finds donors
with live quotas and a claim well inside its deadline waiting for review.

Sign in on the client as WeChat test user `demo-donor`, bind with 张三 / 110105198503120215;
the SMS code appears in the client's sandbox panel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from kit import clock


@dataclass(frozen=True)
class DemoDonation:
    years_ago: int
    days_more: int  # a few days further back, so the dates do not all fall on today's month and day
    kind: str
    volume_ml: int | None = None
    units: int | None = None
    military: bool = False

    def donated_on(self, today: date) -> date:
        return years_before(today, self.years_ago) - timedelta(days=self.days_more)


@dataclass(frozen=True)
class DemoDonor:
    name: str
    cert_number: str
    phone: str
    province: str
    donations: tuple[DemoDonation, ...]


def years_before(day: date, years: int) -> date:
    """The same month and day `years` earlier; Feb 29 becomes Feb 28 (民法典 202's rule)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


DEMO_DONORS = (
    # 1,200 mL over four donations: past Beijing's 1,000 mL, so unlimited for life; relatives 1x of
    # the 800 mL given within ten years.
    DemoDonor("张三", "110105198503120215", "13800138000", "11", (
        DemoDonation(5, 40, "platelet_apheresis", units=1),
        DemoDonation(7, 80, "whole_blood", 200, military=True),
        DemoDonation(9, 170, "whole_blood", 200),
        DemoDonation(12, 240, "whole_blood", 400),
    )),
    # 600 mL within ten years: 5x (3,000 mL) for herself, 1x (600 mL) for her family.
    DemoDonor("李四", "110108199007080326", "13900139000", "11", (
        DemoDonation(2, 20, "whole_blood", 200),
        DemoDonation(4, 210, "whole_blood", 400),
    )),
    DemoDonor("王五", "330106198805200541", "13700137000", "33", (
        DemoDonation(3, 115, "whole_blood", 400),
    )),
)
DEMO_WECHAT_USER = "demo-donor"
DEMO_CLAIM_INVOICE = ("110100226", "DEMO00000001")


def demo_records(today: date | None = None, province: str | None = None) -> list[dict[str, Any]]:
    today = today or clock.today()
    records = []
    for donor in DEMO_DONORS:
        if province is not None and donor.province != province:
            continue
        for i, donation in enumerate(donor.donations, start=1):
            station = ("110000-PLA" if donation.military else f"{donor.province}0000-XZ")
            records.append({
                "donation_no": f"DEMO-{donor.cert_number[-6:]}-{i}", "station_code": station,
                "cert_type": "resident_id", "cert_number": donor.cert_number, "name": donor.name,
                "province": donor.province, "military": donation.military,
                "donated_on": donation.donated_on(today).isoformat(), "kind": donation.kind,
                "volume_ml": donation.volume_ml, "units": donation.units, "qualified": True, "phone": donor.phone,
            })
    return records


def demo_claim(today: date | None = None) -> dict[str, Any]:
    """李四's counter claim for 2 U of red cells used three weeks ago in Hebei: a reviewer's first case."""
    today = today or clock.today()
    li = DEMO_DONORS[1]
    paid_on = (today - timedelta(days=19)).isoformat()
    return {
        "province": li.province, "channel": "counter",
        "donor": {"cert_type": "resident_id", "cert_number": li.cert_number, "name": li.name, "phone": li.phone},
        "beneficiary": {"cert_type": "resident_id", "cert_number": li.cert_number, "name": li.name},
        "relationship": "self", "kinship_evidence": None, "agent": None, "donor_deceased": False,
        "usage": {"hospital_name": "河北医科大学第二医院", "usage_province": "13",
                  "used_on": (today - timedelta(days=23)).isoformat(), "paid_on": paid_on,
                  "items": [{"product": "red_cells", "quantity": 2}]},
        "invoice": {"code": DEMO_CLAIM_INVOICE[0], "number": DEMO_CLAIM_INVOICE[1], "check_code": "8d2f1a",
                    "issued_on": paid_on, "total_fen": 1_268_000, "blood_fee_fen": 46_000},
        "payee": {"account_name": li.name, "account_number": "6222020200112233445", "bank_name": "中国工商银行"},
    }


DEMO_CLAIM_DOCUMENTS = ("donor_id_front", "donor_id_back", "fee_list", "invoice")


def _placeholder_photo(label: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (480, 320), (235, 235 - 20 * label, 225)).save(buffer, "JPEG")
    return buffer.getvalue()


async def import_demo_data(gateway_url: str, admin_password: str, province: str | None = None) -> dict[str, Any]:
    """The demo donors, then one submitted claim with its photos (placeholders, marked DEMO).
    With `province`, only that province's donors (and the claim only where 李四 gave blood)."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30, trust_env=False) as client:
        token = await client.post("/ops/v1/auth/token", data={"username": "admin", "password": admin_password})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        donors = await client.post("/ops/v1/donations", headers=headers,
                                   json={"records": demo_records(province=province)})
        donors.raise_for_status()
        if province is not None and province != DEMO_DONORS[1].province:
            return dict(donors.json())
        claim = await client.post("/ops/v1/claims", headers=headers, json=demo_claim())
        claim.raise_for_status()
        claim_id = claim.json()["id"]
        for i, kind in enumerate(DEMO_CLAIM_DOCUMENTS):
            uploaded = await client.post(f"/ops/v1/claims/{claim_id}/documents", headers=headers, data={"kind": kind},
                                         files={"file": (f"demo-{kind}.jpg", _placeholder_photo(i), "image/jpeg")})
            uploaded.raise_for_status()
        submitted = await client.post(f"/ops/v1/claims/{claim_id}/submit", headers=headers)
        submitted.raise_for_status()
        return {**donors.json(), "claim": submitted.json()["reference"]}
