"""The partner directory: register, rotate and retire keys, suspend; every act audited."""

from __future__ import annotations

from services.interop.signatures import httpsig
from stack.keys import DevKeys
from tests.interop.conftest import register_partner
from tests.support.apps import AppStack
from tests.support.callers import caller_headers


async def test_registering_a_partner_is_audited_and_shows_its_keys(stack: AppStack,
                                                                   admin_headers: dict[str, str]) -> None:
    await register_partner(stack, admin_headers)
    listed = (await stack.gateway.get("/ops/v1/interop/partners", headers=admin_headers)).json()
    assert [(p["code"], p["provinces"], p["status"]) for p in listed] == [("zj", ["33"], "active")]
    assert listed[0]["keys"][0]["state"] == "valid"
    assert listed[0]["settlement_account_masked"].endswith("0001") and "3305016123" not in str(listed[0])
    audit = (await stack.gateway.get("/ops/v1/interop/audit", headers=admin_headers)).json()
    assert [(a["action"], a["partner_code"], a["actor"]) for a in audit] == [
        ("partner_registered", "zj", "staff:admin")]


async def test_rotating_keeps_both_keys_until_the_old_one_is_retired(stack: AppStack,
                                                                     admin_headers: dict[str, str]) -> None:
    await register_partner(stack, admin_headers)
    _, public = httpsig.generate_keypair()
    added = await stack.gateway.post("/ops/v1/interop/partners/zj/keys", headers=admin_headers,
                                     json={"key_id": "33-test-k2", "public_key_pem": public})
    assert added.status_code == 201
    assert [(k["key_id"], k["state"]) for k in added.json()["keys"]] == [("33-test-k1", "valid"),
                                                                         ("33-test-k2", "valid")]
    retired = await stack.gateway.post("/ops/v1/interop/partners/zj/keys/33-test-k1/retire", headers=admin_headers,
                                       json={"reason": "轮换完成"})
    assert [k["state"] for k in retired.json()["keys"]] == ["retired", "valid"]
    actions = [a["action"] for a in (await stack.gateway.get("/ops/v1/interop/audit", headers=admin_headers)).json()]
    assert actions == ["key_retired", "key_added", "partner_registered"]


async def test_bad_registrations_name_the_field_and_store_nothing(stack: AppStack,
                                                                 admin_headers: dict[str, str]) -> None:
    bad_key = await stack.gateway.post("/ops/v1/interop/partners", headers=admin_headers, json={
        "code": "zj", "name": "浙江", "provinces": ["33"], "base_url": "http://zj.test",
        "keys": [{"key_id": "k-1", "public_key_pem": "-----BEGIN PUBLIC KEY-----\nnot a key at all, sorry\n-----END"}]})
    assert bad_key.status_code == 422 and bad_key.json()["errors"][0]["field"] == "keys[0].public_key_pem"
    ours = await stack.gateway.post("/ops/v1/interop/partners", headers=admin_headers, json={
        "code": "bj2", "name": "北京", "provinces": ["11"], "base_url": "http://bj.test",
        "keys": [{"key_id": "k-2", "public_key_pem": httpsig.generate_keypair()[1]}]})
    assert ours.status_code == 422 and ours.json()["errors"][0]["field"] == "provinces"
    await register_partner(stack, admin_headers)
    twice = await stack.gateway.post("/ops/v1/interop/partners", headers=admin_headers, json={
        "code": "zj2", "name": "浙江二", "provinces": ["33"], "base_url": "http://zj2.test",
        "keys": [{"key_id": "k-3", "public_key_pem": httpsig.generate_keypair()[1]}]})
    assert twice.status_code == 409 and twice.json()["errors"][0]["field"] == "provinces"
    assert [p["code"] for p in (await stack.gateway.get("/ops/v1/interop/partners", headers=admin_headers)).json()] \
        == ["zj"]


async def test_only_admin_manages_partners(stack: AppStack, keys: DevKeys) -> None:
    assert (await stack.services["interop"].get("/v1/partners")).status_code == 401
    reviewer = caller_headers(keys, roles=("reviewer",), province="11")
    assert (await stack.services["interop"].get("/v1/partners", headers=reviewer)).status_code == 403
