"""A forwarded claim as a partner sends it (documents, then the claim), for the tests."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from services.interop.conformance.signer import PartnerSigner
from tests.claims.helpers import CARD, DONOR, SELF_DOCUMENTS, jpeg
from tests.support.dates import iso_days_ago


def forwarded_claim(sender_ref: str, *, donor: str = DONOR, invoice_number: str = "ZJ000001",
                    blood_fee_fen: int = 46_000, documents: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "sender_claim_ref": sender_ref, "consent_ref": f"33-APPLICATION-{sender_ref}", "channel": "online",
        "donor": {"cert_type": "resident_id", "cert_number": donor, "name": "张三"}, "donor_phone": "13812345678",
        "beneficiary": {"cert_type": "resident_id", "cert_number": donor, "name": "张三"}, "relationship": "self",
        "kinship_evidence": None, "donor_deceased": False,
        "use": {"hospital_name": "浙江大学医学院附属第一医院", "usage_province": "33", "used_on": iso_days_ago(30),
                "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": blood_fee_fen},
        "paid_on": iso_days_ago(25),
        "invoice": {"code": "330100226", "number": invoice_number, "check_code": "zj1", "issued_on": iso_days_ago(25),
                    "total_fen": 900_000, "blood_fee_fen": blood_fee_fen},
        "payee": {"account_name": "张三", "account_number": CARD, "bank_name": "中国工商银行"},
        "documents": documents or [],
    }


async def send_documents(signer: PartnerSigner, client: httpx.AsyncClient,
                         kinds: tuple[str, ...] = SELF_DOCUMENTS) -> list[dict[str, str]]:
    refs = []
    for i, kind in enumerate(kinds):
        content = jpeg((40 * i, 90, 200))
        sha = hashlib.sha256(content).hexdigest()
        reply = await signer.call(client, "PUT", f"/documents/{sha}", body=content, content_type="image/jpeg")
        assert reply.status == 201, reply.body
        refs.append({"kind": kind, "sha256": sha})
    return refs
