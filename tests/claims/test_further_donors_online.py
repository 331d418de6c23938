"""Several donors on one bill on the client surface (issue 13.3 with issue 11.1).

Online, the claim's first donor is the signed-in donor (issue 11's 张三/李四 case stays refused).
Further donors may be named, as at the counter (seed 001 annex 1 rule 5: 用血者有多个亲属参加过无偿
献血的，只在用血费用额度内报销): a further donor signed in finds the claim by the person index in
their caller token and reads it, nothing more; and a further donor who draws nothing reads the same
whether or not they are a donor at all, so a claim is no way to find out who gave blood.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.claims.helpers import RELATIVE_DOCUMENTS, claim_body, upload
from tests.entitlement.helpers import record
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago
from tests.support.donors import signed_in_donor
from tests.support.people import resident_id

ZHANG = ("张三", "110105198503120215")
LI = ("李四", "110108199007080326")
WANG = ("王五", resident_id("19820303", area="330106", seq=31))  # gave blood in Zhejiang only
ZHAO = ("赵六", resident_id("19840404", seq=41))  # a Beijing donor who gave after the blood use
NOBODY = resident_id("19770707", seq=77)  # never gave blood anywhere
PATIENT = resident_id("19550101", seq=12)  # 张三's parent, 李四's spouse
DOCUMENTS = (*RELATIVE_DOCUMENTS, "other_donor_ids")


@pytest.fixture
async def donors(stack: AppStack, admin_headers: dict[str, str]) -> None:
    records = [record("Z1", ZHANG[1], name=ZHANG[0], donated_on=iso_days_ago(900), phone="13800138000"),
               record("L1", LI[1], name=LI[0], donated_on=iso_days_ago(800), phone="13900139000"),
               record("W1", WANG[1], name=WANG[0], donated_on=iso_days_ago(700), province="33",
                      station="330000-ZJBC"),
               record("S1", ZHAO[1], name=ZHAO[0], donated_on=iso_days_ago(5))]
    imported = await stack.gateway.post("/ops/v1/donations", headers=admin_headers, json={"records": records})
    assert imported.json()["created"] == 4, imported.text


def for_parent(further: str, *, invoice: str, red_cells: int, fee_fen: int) -> dict[str, Any]:
    """张三 files for his parent (pledge), naming a further donor whose relationship is spouse."""
    body = claim_body(donor=ZHANG[1], name=ZHANG[0], beneficiary=PATIENT, relationship="parent",
                      kinship_evidence="pledge", channel=None, invoice_number=invoice, blood_fee_fen=fee_fen,
                      items=[{"product": "red_cells", "quantity": red_cells}])
    body["additional_donors"] = [{"cert_type": "resident_id", "cert_number": further, "name": "李四",
                                  "relationship": "spouse"}]
    return body


async def file_and_submit(gateway: httpx.AsyncClient, me: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    created = await gateway.post("/api/v1/claims", headers=me, json=body)
    assert created.status_code == 201, created.text
    claim_id = created.json()["id"]
    for kind in DOCUMENTS:
        assert (await upload(gateway, f"/api/v1/claims/{claim_id}/documents", kind, me)).status_code == 201
    return await gateway.post(f"/api/v1/claims/{claim_id}/submit", headers=me)


async def test_the_further_donor_reads_the_claim_by_their_person_index(stack: AppStack, donors) -> None:
    """4 U (800 mL), blood fee 840.00: 张三's relatives' pool 400 mL -> 440.00, then 李四's 400 mL for
    the 400.00 left of the bill: 840.00 (seed 001 annex 1 rule 5)."""
    gw = stack.gateway
    zhang = await signed_in_donor(gw, "wx-zhang", *ZHANG)
    submitted = await file_and_submit(gw, zhang, for_parent(LI[1], invoice="ON-1", red_cells=4, fee_fen=84_000))
    assert submitted.status_code == 200, submitted.text
    claim = submitted.json()
    assert (claim["status"], claim["eligible_fen"]) == ("submitted", 84_000)
    assert [d["reducible_fen"] for d in claim["donors_drawn"]] == [44_000, 40_000]

    li = await signed_in_donor(gw, "wx-li", *LI)
    assert [c["id"] for c in (await gw.get("/api/v1/claims", headers=li)).json()] == [claim["id"]]
    seen = await gw.get(f"/api/v1/claims/{claim['id']}", headers=li)
    assert seen.status_code == 200 and seen.json()["eligible_fen"] == 84_000
    assert (await gw.get(f"/api/v1/claims/{claim['id']}/history", headers=li)).status_code == 200
    # Reads it, nothing more: not the filer's papers, not the filer's changes.
    document = seen.json()["documents"][0]["id"]
    assert (await gw.get(f"/api/v1/claims/{claim['id']}/documents/{document}", headers=li)).status_code == 403
    for path, payload in (("/withdraw", {"reason": "不是我"}), ("/submit", None)):
        refused = await gw.post(f"/api/v1/claims/{claim['id']}{path}", headers=li, json=payload)
        assert refused.status_code == 403, (path, refused.text)
    assert (await gw.get(f"/api/v1/claims/{claim['id']}", headers=zhang)).json()["status"] == "submitted"


async def test_the_first_donor_online_is_still_the_signed_in_donor(stack: AppStack, donors) -> None:
    """Issue 11.1 holds with further donors: 张三 cannot put 李四 first and himself after her."""
    zhang = await signed_in_donor(stack.gateway, "wx-zhang", *ZHANG)
    body = for_parent(ZHANG[1], invoice="ON-2", red_cells=4, fee_fen=84_000)
    body["donor"] = {"cert_type": "resident_id", "cert_number": LI[1], "name": LI[0]}
    refused = await stack.gateway.post("/api/v1/claims", headers=zhang, json=body)
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "donor.cert_number"


def outcome(response: httpx.Response, further: str) -> dict[str, Any]:
    """What a submit tells the filer, the further donor's own number (typed by the filer) blanked."""
    assert response.status_code == 200, response.text
    masked = further[:6] + "********" + further[-4:]
    claim = response.json()
    blank = lambda value: value.replace(masked, "X") if isinstance(value, str) else value  # noqa: E731
    return {"status": claim["status"], "eligible_fen": claim["eligible_fen"], "warnings": claim["warnings"],
            "explanation": [blank(line) for line in claim["explanation"]],
            "donors_drawn": [{k: blank(v) for k, v in d.items()} for d in claim["donors_drawn"]],
            "deadline": claim["claim_deadline_on"]}


async def test_a_further_donor_who_draws_nothing_reads_the_same_whoever_they_are(stack: AppStack, donors) -> None:
    """2 U (400 mL), blood fee 440.00, all of it covered by 张三's 400 mL: the further donor draws
    nothing. 李四 (a donor with her pool left), 王五 (a donor of another province), 赵六 (gave only after
    the use) and someone who never gave blood get the same answer, word for word."""
    gw = stack.gateway
    zhang = await signed_in_donor(gw, "wx-zhang", *ZHANG)
    outcomes = []
    for n, further in enumerate((NOBODY, LI[1], WANG[1], ZHAO[1])):
        response = await file_and_submit(gw, zhang, for_parent(further, invoice=f"NO-{n}", red_cells=2,
                                                                fee_fen=44_000))
        outcomes.append(outcome(response, further))
        # Withdrawn, its hold released: the next claim finds 张三's pool as this one did.
        withdrawn = await gw.post(f"/api/v1/claims/{response.json()['id']}/withdraw", headers=zhang,
                                  json={"reason": "测试"})
        assert withdrawn.json()["status"] == "withdrawn"
        assert await stack.drain_outbox() >= 1
    assert outcomes[0]["eligible_fen"] == 44_000
    assert outcomes[0]["donors_drawn"][1]["reducible_fen"] == 0
    assert all(o == outcomes[0] for o in outcomes[1:]), outcomes
