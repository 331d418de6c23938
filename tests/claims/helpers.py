from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from tests.entitlement.helpers import record
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

DONOR = resident_id("19800101")
FATHER = resident_id("19500101", seq=7)
CARD = "6222021234567891234"  # passes Luhn? computed in tests that care


def jpeg(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def claim_body(*, donor: str = DONOR, beneficiary: str | None = None, relationship: str = "self",
               invoice_number: str = "00012345", blood_fee_fen: int = 88_000, total_fen: int = 1_250_000,
               used_on: str | None = None, paid_on: str | None = None, issued_on: str | None = None,
               channel: str | None = "counter", kinship_evidence: str | None = None, card: str = CARD,
               items: list[dict[str, Any]] | None = None, name: str = "张三", donor_deceased: bool = False,
               payee_relative: dict[str, Any] | None = None, payee_name: str | None = None, province: str = "11",
               postmarked_on: str | None = None) -> dict[str, Any]:
    """A claim for blood used 60 days ago and paid a week later (well inside any deadline),
    unless the test names its own dates."""
    used_on = used_on or iso_days_ago(60)
    paid_on = paid_on or iso_days_ago(53)
    issued_on = issued_on or paid_on
    body = {
        "province": province, "channel": channel,
        "donor": {"cert_type": "resident_id", "cert_number": donor, "name": name, "phone": "13812345678"},
        "beneficiary": {"cert_type": "resident_id", "cert_number": beneficiary or donor,
                        "name": name if relationship == "self" else "张父"},
        "relationship": relationship, "kinship_evidence": kinship_evidence, "agent": None,
        "donor_deceased": donor_deceased, "payee_relative": payee_relative,
        "usage": {"hospital_name": "河北医科大学第二医院", "usage_province": "13", "used_on": used_on,
                  "paid_on": paid_on, "items": items or [{"product": "red_cells", "quantity": 2}]},
        "invoice": {"code": "130100226", "number": invoice_number, "check_code": "a1b2c3", "issued_on": issued_on,
                    "total_fen": total_fen, "blood_fee_fen": blood_fee_fen},
        "payee": {"account_name": payee_name or name, "account_number": card, "bank_name": "中国工商银行"},
    }
    if postmarked_on:
        body["postmarked_on"] = postmarked_on
    return body


SELF_DOCUMENTS = ("donor_id_front", "donor_id_back", "fee_list", "invoice")
RELATIVE_DOCUMENTS = (*SELF_DOCUMENTS, "beneficiary_id_front", "beneficiary_id_back", "kinship_pledge")


async def seed_donor(gateway: httpx.AsyncClient, headers: dict[str, str], cert: str = DONOR,
                     donated_on: str | None = None, volume_ml: int = 400, no: str = "D1") -> None:
    """A donation two years ago: inside every window (5x self, 1x relatives in Beijing)."""
    donated_on = donated_on or iso_days_ago(730)
    response = await gateway.post("/ops/v1/donations", headers=headers,
                                  json={"records": [record(no, cert, donated_on=donated_on, volume_ml=volume_ml)]})
    assert response.status_code == 200 and response.json()["created"] == 1, response.text


async def upload(client: httpx.AsyncClient, path: str, kind: str, headers: dict[str, str],
                 content: bytes | None = None, filename: str = "photo.jpg") -> httpx.Response:
    return await client.post(path, headers=headers, data={"kind": kind},
                             files={"file": (filename, content if content is not None else jpeg(), "image/jpeg")})


async def ready_claim(gateway: httpx.AsyncClient, headers: dict[str, str], *, documents: tuple[str, ...] = SELF_DOCUMENTS,
                      prefix: str = "/ops/v1", **body: Any) -> dict[str, Any]:
    """A draft with every required document uploaded."""
    created = await gateway.post(f"{prefix}/claims", headers=headers, json=claim_body(**body))
    assert created.status_code == 201, created.text
    claim = created.json()
    for kind in documents:
        response = await upload(gateway, f"{prefix}/claims/{claim['id']}/documents", kind, headers)
        assert response.status_code == 201, response.text
    return claim


PASSWORD = "correct horse battery"


async def add_user(gateway: httpx.AsyncClient, admin: dict[str, str], stack: Any, username: str,
                   roles: list[str], province: str = "11") -> dict[str, str]:
    response = await gateway.post("/ops/v1/users", headers=admin, json={
        "username": username, "password": PASSWORD, "roles": roles, "province": province})
    assert response.status_code == 201, response.text
    return dict(await stack.login(username, PASSWORD))


async def submitted(gateway: httpx.AsyncClient, team: dict[str, dict[str, str]], **body: Any) -> dict[str, Any]:
    claim = await ready_claim(gateway, team["operator"], **body)
    response = await gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=team["operator"])
    assert response.status_code == 200, response.text
    return dict(response.json())


async def decide(gateway: httpx.AsyncClient, headers: dict[str, str], claim_id: str, **body: Any) -> httpx.Response:
    return await gateway.post(f"/ops/v1/claims/{claim_id}/decision", headers=headers, json={"note": "", **body})
