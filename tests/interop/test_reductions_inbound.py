"""A partner's hospital gets an authorisation (a hold under our notice number), reports the
settlement; its statement is checked line by line: what we authorised is confirmed once, a line
that matches nothing is disputed, totals that do not add up are refused."""

from __future__ import annotations

from typing import Any

from tests.claims.helpers import DONOR, FATHER, seed_donor
from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack
from tests.support.dates import first_of_previous_month, iso_days_ago, month_of


def authorisation(ref: str) -> dict[str, Any]:
    return {"authorisation_ref": ref, "consent_ref": f"H-ZJ-1-{ref}", "hospital_name": "浙江大学医学院附属第一医院",
            "patient": {"cert_type": "resident_id", "cert_number": FATHER, "name": "张父"},
            "donor": {"cert_type": "resident_id", "cert_number": DONOR, "name": "张三"},
            "relationship": "parent", "kinship_evidence": {"kind": "pledge"}, "used_on": iso_days_ago(40),
            "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 50_000}


async def _authorised_and_settled(stack: AppStack, partner: PartnerSetup, receipt: str = "ZJ-R-1") -> str:
    granted = await partner.signer.call(stack.gateway, "POST", "/authorisations", json_body=authorisation("AUTH-0001"))
    assert granted.status == 200 and granted.signature_ok, granted.body
    notice = granted.json()
    assert (notice["eligible"], notice["max_reducible_fen"]) == (True, 44_000)
    settled = await partner.signer.call(stack.gateway, "POST", f"/authorisations/{notice['notice_no']}/settlement",
                                        json_body={"receipt_no": receipt, "settled_on": iso_days_ago(0),
                                                   "items": [{"product": "red_cells", "quantity": 2}],
                                                   "blood_fee_fen": 50_000, "reduced_fen": 44_000,
                                                   "invoice": {"code": "330100", "number": "ZJ-H-9"}})
    assert settled.status == 200, settled.body
    return str(notice["notice_no"])


def statement(ref: str, lines: list[dict[str, Any]], total: int | None = None,
              period: str | None = None) -> dict[str, Any]:
    return {"statement_ref": ref, "period": period or month_of(first_of_previous_month()),
            "totals": {"count": len(lines), "amount_fen": sum(x["reduced_fen"] for x in lines) if total is None
                       else total}, "lines": lines}


async def test_a_statement_confirms_what_we_authorised_and_disputes_the_rest(stack: AppStack,
                                                                            partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin, volume_ml=400)
    notice_no = await _authorised_and_settled(stack, partner)
    # Settled today (a settlement is never dated before its notice): this month's statement.
    lines = [{"line_no": 1, "authorisation_no": notice_no, "receipt_no": "ZJ-R-1", "settled_on": iso_days_ago(0),
              "reduced_fen": 44_000},
             {"line_no": 2, "authorisation_no": "JM11NOSUCH00001", "receipt_no": "ZJ-R-2",
              "settled_on": iso_days_ago(0), "reduced_fen": 10_000}]
    period = iso_days_ago(0)[:7]
    answered = await partner.signer.call(stack.gateway, "POST", "/statements",
                                         json_body=statement("ST-1", lines, period=period))
    assert answered.status == 200, answered.body
    body = answered.json()
    assert (body["confirmed_fen"], body["disputed_fen"]) == (44_000, 10_000)
    assert [(x["decision"], bool(x["reason"])) for x in body["lines"]] == [("confirmed", False), ("disputed", True)]
    # The same authorisation in a later statement is not confirmed (nor paid) twice.
    later = await partner.signer.call(stack.gateway, "POST", "/statements",
                                      json_body=statement("ST-2", lines[:1], period=period))
    assert later.json()["lines"][0]["decision"] == "disputed" and "ST-1" in later.json()["lines"][0]["reason"]
    listed = (await stack.gateway.get("/ops/v1/interop/statements", headers=partner.admin)).json()
    assert sorted((s["statement_ref"], s["confirmed_fen"]) for s in listed) == [("ST-1", 44_000), ("ST-2", 0)]


async def test_totals_that_do_not_match_the_lines_are_refused(stack: AppStack, partner: PartnerSetup) -> None:
    lines = [{"line_no": 1, "authorisation_no": "JM1", "receipt_no": "R", "settled_on": iso_days_ago(35),
              "reduced_fen": 100}]
    refused = await partner.signer.call(stack.gateway, "POST", "/statements",
                                        json_body=statement("ST-3", lines, total=999))
    assert refused.status == 422 and "totals" in refused.json()["detail"]
    assert (await stack.gateway.get("/ops/v1/interop/statements", headers=partner.admin)).json() == []
