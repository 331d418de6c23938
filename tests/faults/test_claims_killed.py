"""The claims service SIGKILLed at the worst moment, on real processes: right after entitlement has
placed a hold, before claims has recorded it. A proxy in front of entitlement kills claims as the
hold's answer comes back. A submit retried with its Idempotency-Key makes one claim with one live
hold; a notice whose issuing died has its hold released by the guard (no orphaned hold)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tests.entitlement.helpers import record
from tests.faults.conftest import GRACE_S
from tests.faults.system import DOCUMENTS, Client, Rig, Tally, counter_claim, jpeg
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

pytestmark = pytest.mark.e2e
DONOR = resident_id("19800101", seq=300)
FATHER = resident_id("19500101", seq=301)


@pytest.fixture(scope="module")
async def donor(rig: Rig) -> str:
    await rig.import_donations([record(f"K{d}", DONOR, donated_on=iso_days_ago(700 + 30 * d)) for d in range(2)])
    return DONOR


async def test_claims_killed_mid_submit_then_a_keyed_retry_makes_one_claim_with_one_hold(rig: Rig, donor) -> None:
    http, admin = rig.http, rig.admin
    body = counter_claim(DONOR, invoice="KILL-1", card="6222021234561111", quantity=2)
    claim = (await http.post("/ops/v1/claims", headers=admin, json=body)).json()
    for kind in DOCUMENTS:
        uploaded = await http.post(f"/ops/v1/claims/{claim['id']}/documents", headers=admin, data={"kind": kind},
                                   files={"file": ("p.jpg", jpeg(), "image/jpeg")})
        assert uploaded.status_code == 201, uploaded.text

    pid = await rig.arm()
    tally = Tally()
    submit = {"headers": admin | {"Idempotency-Key": "submit-crash-1"}}
    first = await http.post(f"/ops/v1/claims/{claim['id']}/submit", **submit)
    tally.statuses[first.status_code] += 1
    assert first.status_code == 503, first.text  # claims died with the hold's answer on its way
    assert (await rig.killed())[-1] == pid
    holds = await rig.rows("SELECT state FROM entitlement.holds WHERE reference = :r", r=f"claim:{claim['id']}")
    assert [h.state for h in holds] == ["held"]  # placed, and claims never recorded it
    assert (await rig.rows("SELECT status FROM claims.claims WHERE id = :c", c=claim["id"]))[0].status == "draft"

    await rig.system.restart("claims")
    # The client retries the same request with the same key until it gets an answer that is not a 503.
    done = await Client(http, tally).call("POST", f"/ops/v1/claims/{claim['id']}/submit", ok=(200,),
                                          key="submit-crash-1", headers=admin)
    assert (done.status_code, done.json()["status"], done.json()["eligible_fen"]) == (200, "submitted", 44_000)
    replay = await http.post(f"/ops/v1/claims/{claim['id']}/submit", **submit)
    tally.statuses[replay.status_code] += 1
    assert replay.headers.get("idempotent-replayed") == "true" and replay.json() == done.json()

    claims = await rig.rows("SELECT id FROM claims.claims WHERE invoice_number = 'KILL-1'")
    holds = await rig.rows("SELECT idempotency_key, state FROM entitlement.holds WHERE reference = :r",
                           r=f"claim:{claim['id']}")
    guards = await rig.rows("SELECT status FROM claims.outbox WHERE kind = 'hold_guard' AND claim_id = :c",
                            c=claim["id"])
    print("\nFAULT claims-killed-mid-submit counts:", json.dumps({
        "requests": sum(tally.statuses.values()), "statuses": dict(tally.statuses), "503s": tally.statuses[503],
        "claims": len(claims), "holds": len(holds), "live_holds": sum(h.state == "held" for h in holds)}))
    assert set(tally.statuses) <= {200, 503} and tally.unexpected == [] and tally.hangs == [], tally
    assert len(claims) == 1
    assert [(h.idempotency_key, h.state) for h in holds] == [(f"claim:{claim['id']}", "held")]  # one hold
    assert [g.status for g in guards] == ["delivered"]  # confirmed by the recorded submission


async def test_claims_killed_between_the_hold_and_the_notice_leaves_no_hold_behind(rig: Rig, donor) -> None:
    http, admin = rig.http, rig.admin
    hospital = {"code": "H-KILL-1", "name": "北京朝阳医院", "province": "11", "district_office": "朝阳区献血办",
                "military": False, "account_name": "北京朝阳医院", "account_number": "0200001409014476543",
                "bank_name": "工商银行"}
    assert (await http.post("/ops/v1/hospitals", headers=admin, json=hospital)).status_code == 201
    credentials = (await http.post("/ops/v1/hospitals/H-KILL-1/credentials", headers=admin)).json()
    token = await http.post("/his/v1/auth/token", data={"grant_type": "client_credentials",
                                                        "client_id": credentials["client_id"],
                                                        "client_secret": credentials["client_secret"]})
    his = {"Authorization": f"Bearer {token.json()['access_token']}"}
    notice = {"province": "11", "patient": {"cert_type": "resident_id", "cert_number": FATHER, "name": "张父"},
              "donor": {"cert_type": "resident_id", "cert_number": DONOR, "name": "张三"},
              "relationship": "parent", "kinship_evidence": {"kind": "pledge"}, "used_on": iso_days_ago(1),
              "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 46_000}

    pid = await rig.arm()
    broken = await http.post("/his/v1/reduction-notices", headers=his, json=notice)
    assert broken.status_code == 503, broken.text
    assert (await rig.killed())[-1] == pid
    [placed] = await rig.rows("SELECT idempotency_key, state FROM entitlement.holds WHERE purpose = 'reduction_notice'")
    assert placed.state == "held"  # the relatives' pool is held for a notice nobody will ever see
    await rig.system.restart("claims")

    started = time.monotonic()
    while (await rig.rows("SELECT state FROM entitlement.holds WHERE idempotency_key = :k",
                          k=placed.idempotency_key))[0].state != "released":
        assert time.monotonic() - started < GRACE_S + 60, "the orphaned hold was never released"
        await asyncio.sleep(0.5)
    released_after_s = time.monotonic() - started
    [owner] = await rig.rows("SELECT status FROM claims.reduction_notices WHERE hold_key = :k",
                             k=placed.idempotency_key)
    assert owner.status == "void"

    issued = await http.post("/his/v1/reduction-notices", headers=his, json=notice)  # the hospital asks again
    assert (issued.status_code, issued.json()["eligible"], issued.json()["max_reducible_fen"]) == (200, True, 44_000)
    holds = await rig.rows("SELECT state FROM entitlement.holds WHERE purpose = 'reduction_notice' ORDER BY created_at")
    print("\nFAULT claims-killed-mid-notice counts:", json.dumps({
        "notices_requested": 2, "holds": len(holds), "released": sum(h.state == "released" for h in holds),
        "released_after_restart_s": round(released_after_s, 1)}))
    assert [h.state for h in holds] == ["released", "held"]
