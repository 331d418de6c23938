"""Money end to end with every process real: a claim from draft to paid, and a hospital's
direct reductions from notice to the monthly statement paid; the bank sandbox's own ledger
shows exactly the approved amounts, once."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from stack.demo import DEMO_DONORS
from tests.e2e.clock import running_on
from tests.e2e.conftest import E2E_ADMIN_PASSWORD, make_run
from tests.e2e.running import RunningStack, wait_for
from tests.support.dates import first_of_previous_month, iso_days_ago, month_of
from tests.support.people import resident_id

pytestmark = pytest.mark.e2e
ZHANG = DEMO_DONORS[0]  # 张三: Beijing, 1,200 mL (unlimited for life); relatives 1x
PASSWORD = "correct horse battery"


def bank_url(stack: RunningStack) -> str:
    return re.search(r"payments bank channel:\s+(http://\S+)", stack.output()).group(1)  # type: ignore[union-attr]


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (120, 20, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def counter_claim(invoice: str, card: str, *, units: int, blood_fee_fen: int, total_fen: int,
                  days_ago: int) -> dict[str, Any]:
    """张三's own claim at a counter for red cells used in Hebei `days_ago` days ago, paid a week later."""
    person = {"cert_type": "resident_id", "cert_number": ZHANG.cert_number, "name": ZHANG.name}
    return {
        "province": "11", "channel": "counter", "donor": person, "beneficiary": person, "relationship": "self",
        "kinship_evidence": None, "agent": None, "donor_deceased": False,
        "usage": {"hospital_name": "河北医科大学第二医院", "usage_province": "13", "used_on": iso_days_ago(days_ago),
                  "paid_on": iso_days_ago(days_ago - 7), "items": [{"product": "red_cells", "quantity": units}]},
        "invoice": {"code": "130100226", "number": invoice, "check_code": "x", "issued_on": iso_days_ago(days_ago - 7),
                    "total_fen": total_fen, "blood_fee_fen": blood_fee_fen},
        "payee": {"account_name": ZHANG.name, "account_number": card, "bank_name": "中国工商银行"},
    }


HOSPITAL_ACCOUNT = "0200001409014476543"
FATHER = resident_id("19560101", area="110105", seq=43)


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    token = client.post("/ops/v1/auth/token", data={"username": username, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@dataclass
class LastMonth:
    """What a hospital did last month: a patient discharged, the reduction settled."""

    discharged: date
    client_id: str
    client_secret: str
    notice: dict[str, Any]


def notice_body(discharged: date, **extra: Any) -> dict[str, Any]:
    return {"province": "11", "patient": {"cert_type": "resident_id", "cert_number": FATHER, "name": "张父"},
            "donor": {"cert_type": "resident_id", "cert_number": ZHANG.cert_number, "name": ZHANG.name},
            "relationship": "parent", "kinship_evidence": {"kind": "pledge"},
            "used_on": (discharged - timedelta(days=2)).isoformat(),
            "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 50_000, **extra}


def his_token(client: httpx.Client, client_id: str, client_secret: str) -> dict[str, str]:
    token = client.post("/his/v1/auth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                    "client_secret": client_secret})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def a_hospital_settles_a_reduction(stack: RunningStack, discharged: date) -> LastMonth:
    """On a platform whose every process runs on `discharged`: notice, settlement, quota consumed."""
    with httpx.Client(base_url=stack.url, timeout=30, trust_env=False) as client:
        admin = login(client, "admin", E2E_ADMIN_PASSWORD)
        hospital = client.post("/ops/v1/hospitals", headers=admin, json={
            "code": "H-E2E-1", "name": "北京朝阳医院", "province": "11", "district_office": "朝阳区献血办",
            "military": False, "account_name": "北京朝阳医院", "account_number": HOSPITAL_ACCOUNT,
            "bank_name": "工商银行"})
        assert hospital.status_code == 201, hospital.text
        credentials = client.post("/ops/v1/hospitals/H-E2E-1/credentials", headers=admin).json()
        his = his_token(client, credentials["client_id"], credentials["client_secret"])
        notice = client.post("/his/v1/reduction-notices", headers=his, json=notice_body(discharged)).json()
        assert notice["eligible"] is True and notice["max_reducible_fen"] == 44_000, notice
        settled = client.post(f"/his/v1/reduction-notices/{notice['notice_no']}/settlement", headers=his, json={
            "receipt_no": "E2E-R1", "settled_on": discharged.isoformat(),
            "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 50_000, "reduced_fen": 44_000,
            "invoice": {"code": "110100", "number": "E2E-H1"}})
        assert settled.json()["status"] == "settled", settled.text
        wait_for(lambda: client.get("/ops/v1/outbox/claims/stats", headers=admin).json()["pending"] == 0,
                 "the settlement's consumption to reach entitlement", timeout_s=60)
        return LastMonth(discharged, credentials["client_id"], credentials["client_secret"], notice)


@pytest.fixture(scope="module")
def last_month_and_today(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, LastMonth]]:
    """The platform ran last month (every process, PostgreSQL too, under libfaketime) when a patient
    left hospital; the same data dir then runs again today, when last month's statement is filed."""
    data_dir = tmp_path_factory.mktemp("stack") / "var"
    discharged = first_of_previous_month() + timedelta(days=9)
    with make_run(data_dir, running_on(discharged)) as then:
        last_month = a_hospital_settles_a_reduction(then, discharged)
    with make_run(data_dir) as now:
        yield now, last_month


@pytest.fixture(scope="module")
def running_stack(last_month_and_today: tuple[RunningStack, LastMonth]) -> RunningStack:
    return last_month_and_today[0]


@pytest.fixture(scope="module")
def ops(running_stack: RunningStack) -> dict[str, dict[str, str]]:
    with httpx.Client(base_url=running_stack.url, timeout=20, trust_env=False) as client:
        admin = login(client, "admin", E2E_ADMIN_PASSWORD)
        for username, roles in (("e2e_rev", ["reviewer"]), ("e2e_fin", ["finance"])):
            created = client.post("/ops/v1/users", headers=admin, json={
                "username": username, "password": PASSWORD, "roles": roles, "province": "11"})
            assert created.status_code == 201, created.text
        return {"admin": admin, "reviewer": login(client, "e2e_rev", PASSWORD),
                "finance": login(client, "e2e_fin", PASSWORD)}


def test_a_counter_claim_goes_from_draft_to_paid(running_stack: RunningStack, ops) -> None:
    card = "6222021234567890003"
    with httpx.Client(base_url=running_stack.url, timeout=30, trust_env=False) as client:
        body = counter_claim("E2E0001", card, units=3, blood_fee_fen=63_000, total_fen=900_000, days_ago=30)
        claim = client.post("/ops/v1/claims", headers=ops["admin"], json=body)
        assert claim.status_code == 201, claim.text
        claim_id = claim.json()["id"]
        for kind in ("donor_id_front", "donor_id_back", "fee_list", "invoice"):
            uploaded = client.post(f"/ops/v1/claims/{claim_id}/documents", headers=ops["admin"], data={"kind": kind},
                                   files={"file": ("p.jpg", jpeg(), "image/jpeg")})
            assert uploaded.status_code == 201, uploaded.text
        submitted = client.post(f"/ops/v1/claims/{claim_id}/submit", headers=ops["admin"])
        assert submitted.status_code == 200, submitted.text
        # Unlimited for life: 3 U = 600 mL covered, 3 x 220 yuan = 660 yuan, the blood fee is 630: capped.
        assert submitted.json()["eligible_fen"] == 63_000
        approved = client.post(f"/ops/v1/claims/{claim_id}/decision", headers=ops["reviewer"],
                               json={"decision": "approve", "note": "材料齐全"})
        assert approved.json()["status"] == "approved", approved.text

        def paid() -> dict[str, Any] | None:
            current = client.get(f"/ops/v1/claims/{claim_id}", headers=ops["admin"]).json()
            return current if current["status"] == "paid" else None

        final = wait_for(paid, "the claim to be paid", timeout_s=90)
        assert final["paid_fen"] == 63_000
        history = [e["action"] for e in client.get(f"/ops/v1/claims/{claim_id}/history", headers=ops["admin"]).json()]
        assert history[-1] == "paid"
        ledger = httpx.get(bank_url(running_stack) + "/sandbox/ledger", timeout=10).json()
        to_zhang = [p for p in ledger["payouts"] if p["account_tail"] == card[-4:]]
        assert [p["amount_fen"] for p in to_zhang] == [63_000]


def test_a_hospital_loop_from_notice_to_a_paid_statement(running_stack: RunningStack, ops,
                                                         last_month_and_today) -> None:
    last_month: LastMonth = last_month_and_today[1]
    with httpx.Client(base_url=running_stack.url, timeout=30, trust_env=False) as client:
        his = his_token(client, last_month.client_id, last_month.client_secret)
        statement = client.post("/his/v1/hospital-settlements", headers=his,
                                json={"period": month_of(last_month.discharged)})
        assert statement.status_code == 201, statement.text
        assert (statement.json()["total_fen"], statement.json()["reduction_count"]) == (44_000, 1)
        approved = client.post(f"/ops/v1/hospital-settlements/{statement.json()['id']}/approve", headers=ops["finance"])
        assert approved.json()["status"] == "approved", approved.text

        def statement_paid() -> bool:
            current = client.get(f"/his/v1/hospital-settlements/{statement.json()['id']}", headers=his).json()
            return current["status"] == "paid"

        wait_for(statement_paid, "the statement to be paid", timeout_s=90)
        ledger = httpx.get(bank_url(running_stack) + "/sandbox/ledger", timeout=10).json()
        to_hospital = [p for p in ledger["payouts"] if p["account_tail"] == HOSPITAL_ACCOUNT[-4:]]
        assert [p["amount_fen"] for p in to_hospital] == [44_000]
        # The same invoice cannot then be claimed again, whatever the channel.
        refused = client.post("/his/v1/reduction-notices", headers=his, json=notice_body(
            last_month.discharged, items=[{"product": "red_cells", "quantity": 1}],
            invoice={"code": "110100", "number": "E2E-H1"}))
        assert refused.status_code == 409


def test_two_workers_pay_many_claims_exactly_once(running_stack: RunningStack, ops) -> None:
    workers = [p for p in running_stack.descendants() if "services.payments.worker" in " ".join(p.cmdline())]
    assert len(workers) == 2
    card, amounts = "6222021234567890014", [30_000 + 100 * n for n in range(8)]
    with httpx.Client(base_url=running_stack.url, timeout=30, trust_env=False) as client:
        claim_ids = []
        for n, amount in enumerate(amounts):
            body = counter_claim(f"E2EW{n:04d}", card, units=2, blood_fee_fen=amount, total_fen=500_000, days_ago=20)
            claim = client.post("/ops/v1/claims", headers=ops["admin"], json=body)
            assert claim.status_code == 201, claim.text
            for kind in ("donor_id_front", "donor_id_back", "fee_list", "invoice"):
                uploaded = client.post(f"/ops/v1/claims/{claim.json()['id']}/documents", headers=ops["admin"],
                                       data={"kind": kind}, files={"file": ("p.jpg", jpeg(), "image/jpeg")})
                assert uploaded.status_code == 201, uploaded.text
            submitted = client.post(f"/ops/v1/claims/{claim.json()['id']}/submit", headers=ops["admin"])
            assert submitted.json()["eligible_fen"] == amount, submitted.text
            claim_ids.append(claim.json()["id"])
        for claim_id in claim_ids:  # approved back to back: both workers find work at once
            approved = client.post(f"/ops/v1/claims/{claim_id}/decision", headers=ops["reviewer"],
                                   json={"decision": "approve", "note": "材料齐全"})
            assert approved.json()["status"] == "approved", approved.text

        def all_paid() -> list[dict[str, Any]] | None:
            claims = [client.get(f"/ops/v1/claims/{c}", headers=ops["admin"]).json() for c in claim_ids]
            return claims if all(c["status"] == "paid" for c in claims) else None

        paid = wait_for(all_paid, "every claim paid", timeout_s=120)
    assert [c["paid_fen"] for c in paid] == amounts
    ledger = httpx.get(bank_url(running_stack) + "/sandbox/ledger", timeout=10).json()
    to_card = [p for p in ledger["payouts"] if p["account_tail"] == card[-4:]]
    assert sorted(p["amount_fen"] for p in to_card) == amounts  # each paid once, none twice
    assert len({p["merchant_transfer_no"] for p in to_card}) == len(amounts)
    # Each worker answers on its own metrics listener, and between them they did the sending.
    urls = re.search(r"metrics \(Prometheus\):\s+(.+)", running_stack.output()).group(1).split(", ")  # type: ignore[union-attr]
    handled = []
    for url in urls:
        text = httpx.get(url, timeout=10).text
        if "xuefei_worker_items_total" in text:
            handled.append(sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
                               if s.name == "xuefei_worker_items_total" and s.labels["duty"] == "dispatch"))
    assert len(handled) == 2
    assert sum(handled) >= 2 * len(amounts)  # a send and at least one query per transfer


def test_one_request_has_one_trace_id_in_every_process_log(running_stack: RunningStack, ops) -> None:
    request_id = f"e2e-trace-{time.monotonic_ns()}"
    with httpx.Client(base_url=running_stack.url, timeout=30, trust_env=False) as client:
        response = client.post("/ops/v1/quotes", headers={**ops["admin"], "X-Request-ID": request_id}, json={
            "province": "11", "donor": {"cert_type": "resident_id", "cert_number": ZHANG.cert_number},
            "beneficiary": {"cert_type": "resident_id", "cert_number": ZHANG.cert_number}, "relationship": "self",
            "used_on": iso_days_ago(10), "usage_province": "11", "items": [{"product": "red_cells", "quantity": 1}],
            "blood_fee_fen": 22_000})
    assert response.status_code == 200, response.text

    def lines() -> list[dict[str, Any]] | None:
        output = running_stack.output()
        complete = output[:output.rfind("\n") + 1]  # a process may be writing the last line right now
        found = [json.loads(line) for line in complete.splitlines()
                 if line.startswith("{") and request_id in line]
        return found if {line["service"] for line in found} >= {"gateway", "entitlement"} else None

    found = wait_for(lines, "access lines of both processes")
    assert {line["request_id"] for line in found} == {request_id}
    trace_ids = {line["trace_id"] for line in found}
    assert len(trace_ids) == 1 and re.fullmatch(r"[0-9a-f]{32}", trace_ids.pop())
