"""Issue 11.4: claim documents are encrypted at rest, read only by the claim's parties, its
province's reviewers and its registering operator; staff downloads of ID and bank-card photos
name a reason and are audited; at most 30 per claim; re-encoding holds no row lock."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.claims.documents import endpoints as documents_endpoints
from tests.claims.helpers import claim_body, jpeg, seed_donor, upload
from tests.support.apps import AppStack

PASSWORD = "correct horse battery"


@pytest.fixture
async def desk(stack: AppStack, admin_headers) -> dict[str, dict[str, str]]:
    await seed_donor(stack.gateway, admin_headers)
    people = {}
    for username, roles, province in (("bj_op", ["station_operator"], "11"), ("bj_op2", ["station_operator"], "11"),
                                      ("bj_rev", ["reviewer"], "11"), ("bj_fin", ["finance"], "11"),
                                      ("zj_rev", ["reviewer"], "33")):
        created = await stack.gateway.post("/ops/v1/users", headers=admin_headers, json={
            "username": username, "password": PASSWORD, "roles": roles, "province": province})
        assert created.status_code == 201, created.text
        people[username] = await stack.login(username, PASSWORD)
    people["admin"] = admin_headers
    return people


async def draft(stack: AppStack, headers: dict[str, str], invoice: str = "00012345") -> str:
    created = await stack.gateway.post("/ops/v1/claims", headers=headers, json=claim_body(invoice_number=invoice))
    assert created.status_code == 201, created.text
    return f"/ops/v1/claims/{created.json()['id']}/documents"


async def test_files_are_encrypted_at_rest_and_served_decrypted(stack: AppStack, desk, tmp_path: Path) -> None:
    path = await draft(stack, desk["bj_op"])
    photo = jpeg((12, 34, 56), (96, 64))
    uploaded = await upload(stack.gateway, path, "invoice", desk["bj_op"], photo)
    assert uploaded.status_code == 201, uploaded.text
    served = await stack.gateway.get(f"{path}/{uploaded.json()['document']['id']}", headers=desk["bj_op"])
    assert served.status_code == 200 and served.content.startswith(b"\xff\xd8\xff")
    stored = [p.read_bytes() for p in (tmp_path / "docs").rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].startswith(b"XF1")  # kit.crypto file format, with its key id
    for plain in (photo, served.content, served.content[100:164]):
        assert plain not in stored[0]


async def test_only_the_provinces_reviewers_and_the_registrant_read_documents(stack: AppStack, desk) -> None:
    path = await draft(stack, desk["bj_op"])
    document = (await upload(stack.gateway, path, "fee_list", desk["bj_op"])).json()["document"]["id"]
    url = f"{path}/{document}"
    expected = {"bj_op": 200, "bj_rev": 200, "bj_op2": 403, "bj_fin": 403, "admin": 403, "zj_rev": 404}
    seen = {who: (await stack.gateway.get(url, headers=desk[who])).status_code for who in expected}
    assert seen == expected


async def test_a_staff_download_of_an_id_photo_needs_a_reason_and_is_audited(stack: AppStack, desk) -> None:
    path = await draft(stack, desk["bj_op"])
    document = (await upload(stack.gateway, path, "donor_id_front", desk["bj_op"])).json()["document"]["id"]
    url = f"{path}/{document}"
    no_reason = await stack.gateway.get(url, headers=desk["bj_rev"])
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    opened = await stack.gateway.get(url, params={"reason": "核对身份证与申请信息"}, headers=desk["bj_rev"])
    assert opened.status_code == 200
    history = (await stack.gateway.get(path.removesuffix("/documents") + "/history", headers=desk["bj_rev"])).json()
    viewed = [e for e in history if e["action"] == "document_viewed"]
    assert len(viewed) == 1
    who = (viewed[0]["actor"], viewed[0]["reason"], viewed[0]["actor_kind"])
    assert who == ("bj_rev", "核对身份证与申请信息", "staff")
    assert viewed[0]["at"] and viewed[0]["request_id"] == opened.headers["x-request-id"]


async def test_at_most_30_documents_per_claim(stack: AppStack, desk) -> None:
    path = await draft(stack, desk["bj_op"])
    tiny = jpeg(size=(8, 8))
    for i in range(30):
        assert (await upload(stack.gateway, path, "fee_list", desk["bj_op"], tiny)).status_code == 201, i
    refused = await upload(stack.gateway, path, "fee_list", desk["bj_op"], tiny)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "file" and "30" in refused.json()["detail"]


async def test_re_encoding_holds_no_lock_on_the_claim(stack: AppStack, desk, db: AsyncEngine,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = await draft(stack, desk["bj_op"])
    claim_id = path.split("/")[4]
    inside, release = threading.Event(), threading.Event()
    real = documents_endpoints.normalise

    def slow_normalise(*args, **kwargs):  # runs in a worker thread, like the real one
        inside.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(documents_endpoints, "normalise", slow_normalise)
    task = asyncio.create_task(upload(stack.gateway, path, "invoice", desk["bj_op"]))
    assert await asyncio.to_thread(inside.wait, 30)
    try:
        # While the photo is being re-encoded, another transaction locks the claim at once.
        async with db.begin() as conn:
            await conn.execute(text("SET LOCAL lock_timeout = '1s'"))
            locked = await conn.execute(text("SELECT id FROM claims.claims WHERE id = :id FOR UPDATE NOWAIT"),
                                        {"id": claim_id})
            assert str(locked.scalar_one()) == claim_id
    finally:
        release.set()
    assert (await task).status_code == 201
