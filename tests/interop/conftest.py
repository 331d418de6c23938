from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.interop.conformance.signer import PartnerSigner
from services.interop.signatures import httpsig
from tests.support.apps import AppStack


@dataclass
class PartnerSetup:
    signer: PartnerSigner
    admin: dict[str, str]
    own_key_id: str


async def register_partner(stack: AppStack, admin: dict[str, str], *, code: str = "zj",
                           provinces: tuple[str, ...] = ("33",), key_id: str = "33-test-k1") -> tuple[str, str]:
    private, public = httpsig.generate_keypair()
    response = await stack.gateway.post("/ops/v1/interop/partners", headers=admin, json={
        "code": code, "name": "浙江省血费减免平台", "provinces": list(provinces), "base_url": "http://zj.test",
        "keys": [{"key_id": key_id, "public_key_pem": public}],
        "settlement_account": {"account_name": "浙江省血液中心", "account_number": "33050161234500000001",
                               "bank_name": "中国建设银行杭州分行"}})
    assert response.status_code == 201, response.text
    return private, public


async def activate_own_key(stack: AppStack, admin: dict[str, str]) -> tuple[str, str]:
    created = await stack.gateway.post("/ops/v1/interop/own-keys", headers=admin)
    assert created.status_code == 201, created.text
    key_id = created.json()["key_id"]
    activated = await stack.gateway.post(f"/ops/v1/interop/own-keys/{key_id}/activate", headers=admin)
    assert activated.json()["status"] == "active"
    return key_id, created.json()["public_key_pem"]


@pytest.fixture
async def partner(stack: AppStack, admin_headers: dict[str, str]) -> PartnerSetup:
    """Zhejiang (33) registered with one key; our own signing key active; a signer playing Zhejiang."""
    private, _ = await register_partner(stack, admin_headers)
    own_key_id, own_public = await activate_own_key(stack, admin_headers)
    signer = PartnerSigner(base_url="http://gateway.test", key_id="33-test-k1", private_pem=private,
                           sender_province="33", receiver_province="11", target_public_pem=own_public)
    return PartnerSetup(signer=signer, admin=admin_headers, own_key_id=own_key_id)
