"""Two real deployments, Beijing and Zhejiang, as `make run-pair` starts them: a Zhejiang claim for
a Beijing donor is decided and paid in Beijing and Zhejiang shows `paid`; a replayed message is
refused; keys rotated mid-flow keep working; a partner whose processes stop for a while gets every
message once when they continue; a cross-province direct reduction ends in a statement paid once;
a withdrawal in Zhejiang cancels the case in Beijing. The evidence logs of both sides tell the
same story.

The pair starts once for the module (minutes on a loaded machine) and every scenario runs against
it, in file order. The claims of the later scenarios are filed at the start (`filed`), so their
forwarding runs while the earlier scenarios do."""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kit import clock
from stack import pair as stack_pair
from stack.demo import DEMO_DONORS
from tests.e2e.pair import RunningPair, Side, wait_for
from tests.support.dates import first_of_previous_month, month_of
from tests.support.people import resident_id

pytestmark = pytest.mark.e2e
ZHANG = DEMO_DONORS[0]  # 张三: a Beijing donor, 1,200 mL


@pytest.fixture(scope="module")
def running_pair() -> Iterator[RunningPair]:
    # Not under pytest's temp root: a pytest starting elsewhere resets that root to mode 0700, which
    # locks the embedded PostgreSQL's own user out of its data mid-run (the suite's database is kept
    # outside it for the same reason, tests/conftest.py).
    root = Path(tempfile.mkdtemp(prefix="xuefei-pair-"))
    pair = RunningPair(root)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def bj(running_pair: RunningPair) -> Side:
    return running_pair.side("bj")


@pytest.fixture(scope="module")
def zj(running_pair: RunningPair) -> Side:
    return running_pair.side("zj")


@pytest.fixture(scope="module")
def reviewer(bj: Side) -> dict[str, str]:
    return bj.user("e2e_bj_rev", ["reviewer"])


# scenario -> (invoice number, card): Zhejiang counter claims for 张三, filed at the start.
LATER_CLAIMS = {"rotation": ("ZJROT0001", "6222021234567890029"), "outage": ("ZJDOWN001", "6222021234567890037"),
                "withdrawal": ("ZJCANCEL1", "6222021234567890045")}


@pytest.fixture(scope="module")
def filed(zj: Side) -> dict[str, str]:
    """The Zhejiang references of the later scenarios' claims, each forwarded to Beijing at once."""
    return {name: file_claim(zj, invoice, card) for name, (invoice, card) in LATER_CLAIMS.items()}


def bank_payouts(side: Side, card: str) -> list[int]:
    url = re.search(r"payments bank channel:\s+(http://\S+)", side.log.read_text(errors="replace")).group(1)  # type: ignore[union-attr]
    ledger = httpx.get(url + "/sandbox/ledger", timeout=10).json()
    return [p["amount_fen"] for p in ledger["payouts"] if p["account_tail"] == card[-4:]]


def forwarded_in(bj: Side, zj_reference: str, zj: Side) -> dict[str, Any]:
    """Beijing's claim for Zhejiang's case, once Zhejiang knows its reference."""
    def arrived() -> str | None:
        return zj.claim_by_reference(zj_reference)["partner_reference"]

    reference = wait_for(arrived, f"{zj_reference} to be forwarded and answered", timeout_s=60)
    return bj.claim_by_reference(reference)


def approve(bj: Side, reviewer: dict[str, str], claim_id: str) -> None:
    decided = bj.client.post(f"/ops/v1/claims/{claim_id}/decision", headers=reviewer,
                             json={"decision": "approve", "note": "材料齐全，同意报销"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text


def zj_status(zj: Side, reference: str, status: str, timeout_s: float = 90) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        claim = zj.claim_by_reference(reference)
        return claim if claim["status"] == status else None

    return wait_for(reached, f"Zhejiang's {reference} to show {status}", timeout_s=timeout_s)


def processed_once(side: Side) -> Counter[str]:
    """Per message id, how often it was taken in and answered with success. A copy refused for the
    moment (503) or answered from the first answer (a repeat) does not count."""
    counts: Counter[str] = Counter()
    latest: dict[str, str] = {}  # message id -> outcome of its latest copy taken in
    for entry in side.evidence(clock.today()):
        if (entry["direction"], entry["kind"]) == ("in", "request") and entry["message_id"]:
            latest[entry["message_id"]] = entry["outcome"]
        elif (entry["direction"], entry["kind"]) == ("out", "reply") and entry["status"] < 300 \
                and latest.get(entry["in_reply_to"]) == "accepted":
            counts[entry["in_reply_to"]] += 1
    return counts


def sequence(side: Side, message_ids: set[str]) -> list[str]:
    """One side's evidence of a case, as lines for a reader (and for the issue note)."""
    lines = []
    for e in side.evidence(clock.today()):
        if e["message_id"] in message_ids or e["in_reply_to"] in message_ids:
            what = f"{e['method']} {re.sub(r'^https?://[^/]+', '', e['target_uri'])}" if e["kind"] == "request" \
                else f"reply {e['status']} to {e['in_reply_to'][:8]}"
            lines.append(f"{side.platform.code} {e['at'][11:23]} {e['direction']:>3} {e['kind']:<7} "
                         f"{(e['message_id'] or '')[:8]} {what:<52} key={e['key_id']} {e['outcome']} "
                         f"digest={(e['content_digest'] or '')[10:22]}")
    return lines


def test_a_zhejiang_claim_is_decided_and_paid_in_beijing(running_pair: RunningPair, bj: Side, zj: Side,
                                                        reviewer: dict[str, str], filed: dict[str, str]) -> None:
    assert running_pair.demo_claim is not None and len(filed) == len(LATER_CLAIMS)  # the later ones under way
    forwarded = forwarded_in(bj, running_pair.demo_claim, zj)
    assert (forwarded["channel"], forwarded["status"], forwarded["eligible_fen"]) == ("interop", "submitted", 44_000)
    approve(bj, reviewer, forwarded["id"])
    paid = zj_status(zj, running_pair.demo_claim, "paid")
    assert (paid["partner_status"], paid["approved_fen"], paid["paid_fen"]) == ("paid", 44_000, 44_000)
    assert paid["partner_reference"] == forwarded["reference"]
    assert bank_payouts(bj, stack_pair.zhang_in_hangzhou()["payee"]["account_number"]) == [44_000]
    # Both logs tell the same story: each message Zhejiang sent arrived once in Beijing, and back.
    # Zhejiang shows `paid` as soon as it took the push in; Beijing records the reply a moment later.
    def all_answered() -> list[dict[str, Any]] | None:
        outbox = bj.client.get("/ops/v1/interop/outbox", headers=bj.admin, params={"limit": 200}).json()
        pushed = [m for m in outbox if m["case_key"].endswith(running_pair.demo_claim)]
        return pushed if len(pushed) == 4 and all(m["reply"] is not None for m in pushed) else None

    pushed = wait_for(all_answered, "Beijing to record Zhejiang's replies to its four pushes", timeout_s=30)
    assert sorted(m["reply"]["body"]["status"] for m in pushed) == ["approved", "paid", "submitted", "under_review"]
    assert {m["state"] for m in pushed} == {"delivered"}
    zj_out = {e["message_id"] for e in zj.evidence(clock.today()) if e["direction"] == "out" and e["kind"] == "request"}
    assert zj_out and all(processed_once(bj)[m] == 1 for m in zj_out)
    # The demo case's own messages (the later scenarios' claims are under way beside it).
    case = f"claim:{zj.claim_by_reference(running_pair.demo_claim)['id']}"
    sent = {m["message_id"] for m in zj.client.get("/ops/v1/interop/outbox", headers=zj.admin,
                                                   params={"case_key": case}).json()}
    assert len(sent) == 5  # four documents, then the claim
    ids = sent | {m["message_id"] for m in pushed}
    print("\n".join(["", "Zhejiang's evidence:", *sequence(zj, ids), "Beijing's evidence:", *sequence(bj, ids)]))


def test_a_replayed_message_is_refused(running_pair: RunningPair, bj: Side, zj: Side) -> None:
    assert running_pair.demo_claim is not None
    refreshed = zj.client.post(f"/ops/v1/interop/claims/{running_pair.demo_claim}/refresh", headers=zj.admin)
    assert refreshed.status_code == 200, refreshed.text
    sent = [e for e in zj.evidence(clock.today()) if e["direction"] == "out" and e["kind"] == "request"
            and e["method"] == "GET"][-1]
    # The very same bytes again, as an eavesdropper would send them.
    replay = httpx.get(sent["target_uri"], timeout=10, headers={
        "Content-Type": "application/json", "Interop-Sender-Province": "33", "Interop-Receiver-Province": "11",
        "Interop-Message-Id": sent["message_id"], "Content-Digest": sent["content_digest"],
        "Signature-Input": sent["signature_input"], "Signature": sent["signature"]})
    assert replay.status_code == 401 and replay.json()["reason"] == "replayed"
    assert replay.headers["content-type"] == "application/problem+json"
    refused = [e for e in bj.evidence(clock.today()) if e["message_id"] == sent["message_id"]]
    assert [e["outcome"] for e in refused if e["kind"] == "request"] == ["accepted", "refused:replayed"]


def rotate(side: Side, other: Side) -> str:
    """`side` makes a new key, `other` learns it, `side` signs with it; the old key stays known."""
    created = side.client.post("/ops/v1/interop/own-keys", headers=side.admin).json()
    added = other.client.post(f"/ops/v1/interop/partners/{side.platform.code}/keys", headers=other.admin,
                              json={"key_id": created["key_id"], "public_key_pem": created["public_key_pem"]})
    assert added.status_code == 201, added.text
    activated = side.client.post(f"/ops/v1/interop/own-keys/{created['key_id']}/activate", headers=side.admin)
    assert activated.json()["status"] == "active"
    return str(created["key_id"])


def file_claim(zj: Side, invoice: str, card: str) -> str:
    async def filed() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
            return await stack_pair.file_counter_claim(client, zj.platform, zj.admin,
                                                       stack_pair.zhang_in_hangzhou(invoice, card))

    claim = asyncio.run(filed())
    assert claim["status"] == "forwarded" and claim["forwarded_to"] == "bj", claim
    return str(claim["reference"])


def test_keys_rotated_mid_flow_keep_working(bj: Side, zj: Side, reviewer: dict[str, str],
                                           filed: dict[str, str]) -> None:
    reference = filed["rotation"]
    forwarded = forwarded_in(bj, reference, zj)
    old_zj_keys = [k["key_id"] for k in bj.client.get("/ops/v1/interop/partners/zj", headers=bj.admin).json()["keys"]]
    new_zj, new_bj = rotate(zj, bj), rotate(bj, zj)
    for key_id in old_zj_keys:  # Beijing stops trusting Zhejiang's old key once the new one is in use
        bj.client.post(f"/ops/v1/interop/partners/zj/keys/{key_id}/retire", headers=bj.admin,
                       json={"reason": "密钥轮换完成"})
    approve(bj, reviewer, forwarded["id"])
    zj_status(zj, reference, "paid")
    refreshed = zj.client.post(f"/ops/v1/interop/claims/{reference}/refresh", headers=zj.admin)
    assert refreshed.status_code == 200 and refreshed.json()["status"] == "paid", refreshed.text
    today = clock.today()
    assert [e["key_id"] for e in bj.evidence(today) if e["direction"] == "in" and e["kind"] == "request"][-1] == new_zj
    assert [e["key_id"] for e in zj.evidence(today) if e["direction"] == "in" and e["kind"] == "request"][-1] == new_bj


def test_a_partner_stopped_for_a_while_gets_every_message_once(running_pair: RunningPair, bj: Side, zj: Side,
                                                               reviewer: dict[str, str], filed: dict[str, str]) -> None:
    """Zhejiang's processes stop (SIGSTOP) while Beijing decides and pays: Beijing's messages get no
    answer, neither a refusal nor a reply, and wait; Zhejiang continues and takes in what had
    arrived meanwhile; Beijing asks before resending, so nothing is lost and nothing doubled.
    (That a platform's data outlives a real stop and start: tests/e2e/test_make_run.py.)"""
    card, reference = LATER_CLAIMS["outage"][1], filed["outage"]
    forwarded = forwarded_in(bj, reference, zj)

    def waiting() -> list[dict[str, Any]] | None:
        rows = bj.client.get("/ops/v1/interop/outbox", headers=bj.admin,
                             params={"case_key": f"claim:zj:{reference}"}).json()
        pending = [r for r in rows if r["state"] != "delivered" and r["attempts"] >= 2]
        return pending or None

    with running_pair.stopped("zj"):
        approve(bj, reviewer, forwarded["id"])
        held = wait_for(waiting, "Beijing to try and fail to reach the stopped Zhejiang", timeout_s=90)
        assert all(r["last_error"] for r in held)
    zj_again = running_pair.side("zj")
    final = zj_status(zj_again, reference, "paid")
    assert final["paid_fen"] == 44_000
    assert bank_payouts(bj, card) == [44_000]
    rows = bj.client.get("/ops/v1/interop/outbox", headers=bj.admin,
                         params={"case_key": f"claim:zj:{reference}"}).json()
    assert sorted(r["reply"]["body"]["status"] for r in rows) == ["approved", "paid", "submitted", "under_review"]
    assert all(processed_once(zj_again)[r["message_id"]] == 1 for r in rows)
    history = zj_again.client.get(f"/ops/v1/claims/{final['id']}/history", headers=zj_again.admin).json()
    applied = [e["to_status"] for e in history if e["action"] == "partner_status"]
    assert applied == ["forwarded", "under_review", "approved", "paid"]


def test_a_cross_province_direct_reduction_ends_in_a_statement_paid_once(running_pair: RunningPair, bj: Side,
                                                                        zj: Side) -> None:
    # Used last month, settled today (a settlement is never dated before its notice, issue 12), so
    # this month's statement carries it.
    last_month = first_of_previous_month()
    used_on = (last_month + timedelta(days=9)).isoformat()
    settled_on = clock.today().isoformat()
    hospital = zj.client.post("/ops/v1/hospitals", headers=zj.admin, json={
        "code": "H-ZJ-1", "name": "浙江大学医学院附属第一医院", "province": "33", "district_office": "上城区献血办",
        "military": False, "account_name": "浙大一院", "account_number": "1202021409000012345",
        "bank_name": "工商银行"})
    assert hospital.status_code == 201, hospital.text
    credentials = zj.client.post("/ops/v1/hospitals/H-ZJ-1/credentials", headers=zj.admin).json()
    token = zj.client.post("/his/v1/auth/token", data={"grant_type": "client_credentials",
                                                       "client_id": credentials["client_id"],
                                                       "client_secret": credentials["client_secret"]})
    his = {"Authorization": f"Bearer {token.json()['access_token']}"}
    father = resident_id("19560101", area="110105", seq=47)
    notice = zj.client.post("/his/v1/reduction-notices", headers=his, json={
        "province": "11", "patient": {"cert_type": "resident_id", "cert_number": father, "name": "张父"},
        "donor": {"cert_type": "resident_id", "cert_number": ZHANG.cert_number, "name": ZHANG.name},
        "relationship": "parent", "kinship_evidence": {"kind": "pledge"}, "used_on": used_on,
        "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 50_000}).json()
    # Beijing decided (its rules: relatives 1x of what 张三 gave within ten years), under its own number.
    assert notice["eligible"] is True and notice["max_reducible_fen"] == 44_000, notice
    settled = zj.client.post(f"/his/v1/reduction-notices/{notice['notice_no']}/settlement", headers=his, json={
        "receipt_no": "ZJ-R-0001", "settled_on": settled_on, "items": [{"product": "red_cells", "quantity": 2}],
        "blood_fee_fen": 50_000, "reduced_fen": 44_000, "invoice": {"code": "330100", "number": "ZJ-H-0001"}})
    assert settled.json()["status"] == "settled", settled.text
    period = month_of(clock.today())

    def reported() -> bool:
        rows = zj.client.get("/ops/v1/interop/outbox", headers=zj.admin).json()
        return any(r["kind"] == "reduction_settled" and r["state"] == "delivered" for r in rows)

    wait_for(reported, "the settlement to reach Beijing")
    sent = zj.client.post("/ops/v1/interop/statements", headers=zj.admin, json={"partner": "bj", "period": period})
    assert sent.status_code == 201, sent.text
    assert (sent.json()["total_count"], sent.json()["total_fen"]) == (1, 44_000)
    ref = sent.json()["statement_ref"]

    def answered() -> dict[str, Any] | None:
        ours = [s for s in zj.client.get("/ops/v1/interop/statements", headers=zj.admin).json()
                if s["statement_ref"] == ref]
        return ours[0] if ours and ours[0]["status"] == "answered" else None

    answer = wait_for(answered, "Beijing to check the statement")
    assert (answer["confirmed_fen"], answer["disputed_fen"]) == (44_000, 0)
    assert [line["decision"] for line in answer["lines"]] == ["confirmed"]
    theirs = next(s for s in bj.client.get("/ops/v1/interop/statements", headers=bj.admin).json()
                  if s["statement_ref"] == ref)
    first = bj.client.post(f"/ops/v1/interop/statements/{theirs['id']}/pay", headers=bj.admin)
    again = bj.client.post(f"/ops/v1/interop/statements/{theirs['id']}/pay", headers=bj.admin)
    assert first.status_code == 200 and again.status_code == 200, (first.text, again.text)
    assert first.json()["disbursement_id"] == again.json()["disbursement_id"]

    def paid_both_sides() -> dict[str, Any] | None:
        ours = next(s for s in zj.client.get("/ops/v1/interop/statements", headers=zj.admin).json()
                    if s["statement_ref"] == ref)
        return ours if ours["status"] == "paid" else None

    confirmed = wait_for(paid_both_sides, "Zhejiang to hear the statement was paid", timeout_s=90)
    assert confirmed["paid_fen"] == 44_000
    zj_account = running_pair.platform("zj").settlement_account["account_number"]
    assert bank_payouts(bj, zj_account) == [44_000]
    totals = bj.client.get("/ops/v1/payments/funding-totals", headers=bj.admin,
                           params={"date_from": clock.today().isoformat(), "date_to": clock.today().isoformat()})
    assert {"source": "interop", "amount_fen": 44_000, "disbursements": 1} in totals.json()["totals"]


def test_a_forwarded_claim_withdrawn_in_zhejiang_is_cancelled_in_beijing(bj: Side, zj: Side,
                                                                         filed: dict[str, str]) -> None:
    reference = filed["withdrawal"]
    forwarded = forwarded_in(bj, reference, zj)
    ours = zj.claim_by_reference(reference)
    asked = zj.client.post(f"/ops/v1/claims/{ours['id']}/withdraw", headers=zj.admin, json={"reason": "已在本地报销"})
    assert asked.status_code == 200 and asked.json()["status"] == "forwarded", asked.text
    zj_status(zj, reference, "withdrawn")
    assert bj.claim_by_reference(forwarded["reference"])["status"] == "withdrawn"


def test_each_platform_exports_its_metrics_on_ports_of_its_own(running_pair: RunningPair) -> None:
    """Issue 16 on the pair: every process of both platforms answers /metrics, no port shared
    (Beijing's offsets from PORT, Zhejiang's from PORT+100), the interop service among them."""
    urls = {code: re.search(r"metrics \(Prometheus\):\s+(.+)", log.read_text(errors="replace")).group(1).split(", ")  # type: ignore[union-attr]
            for code, log in running_pair.logs.items()}
    ports = {code: {u.split(":")[2].split("/")[0] for u in found} for code, found in urls.items()}
    assert ports["bj"].isdisjoint(ports["zj"]) and all(len(p) == len(urls[c]) for c, p in ports.items()), urls
    for code, found in urls.items():
        interop = f"http://127.0.0.1:{running_pair.platform(code).port + 4}/metrics"
        assert interop in found, found
        for url in found:
            scraped = httpx.get(url, timeout=10)
            assert scraped.status_code == 200 and "xuefei_" in scraped.text, url
        assert 'xuefei_outbox_depth{outbox="interop"}' in httpx.get(interop, timeout=10).text
