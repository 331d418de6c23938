"""PostgreSQL stopped for ten seconds and started again while 16 clients file and submit claims, a
reviewer approves them and the worker pays: every answer is a 2xx or a 503 with Retry-After (never
a 500, never a hang); afterwards every claim exists once, every approved claim is paid once on the
bank sandbox's own ledger, no outbox row is lost, and every /readyz is back within 5 s of the
database."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import pytest

from tests.entitlement.helpers import record
from tests.faults.system import DOCUMENTS, Client, Rig, Tally, counter_claim, jpeg
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id

pytestmark = pytest.mark.e2e
CLIENTS = 16
CLAIMS_PER_CLIENT = 2
OUTAGE_S = 10.0
PASSWORD = "correct horse battery"
SERVICES = ("entitlement", "claims", "payments", "gateway")


async def file_claims(client: Client, operator: dict[str, str], reviewer: dict[str, str], donor: str, n: int,
                      tally: Tally) -> None:
    for i in range(CLAIMS_PER_CLIENT):
        body = counter_claim(donor, invoice=f"DB-{n:02d}-{i}", card=f"62220212{n:04d}{i + 1:04d}", quantity=1)
        claim = (await client.call("POST", "/ops/v1/claims", ok=(201,), headers=operator, json=body)).json()
        tally.created.append(claim["id"])
        for kind in DOCUMENTS:
            await client.call("POST", f"/ops/v1/claims/{claim['id']}/documents", ok=(201,), headers=operator,
                              data={"kind": kind}, files={"file": ("p.jpg", jpeg(), "image/jpeg")})
        await client.call("POST", f"/ops/v1/claims/{claim['id']}/submit", ok=(200,), headers=operator)
        decided = await client.call("POST", f"/ops/v1/claims/{claim['id']}/decision", ok=(200,), headers=reviewer,
                                    json={"decision": "approve", "note": "同意"})
        assert decided.json()["status"] == "approved", decided.text
        tally.approved.append(claim["id"])


async def test_a_database_restart_under_load_loses_and_doubles_nothing(rig: Rig) -> None:
    system, http = rig.system, rig.http
    donors = [resident_id("19800101", seq=100 + n) for n in range(CLIENTS)]
    operator = await rig.user("fault_op", ["station_operator"], PASSWORD)
    reviewer = await rig.user("fault_rev", ["reviewer"], PASSWORD)
    # Three donations of 400 mL each: 1,200 mL, unlimited for life in Beijing.
    await rig.import_donations([record(f"F{n}-{d}", donor, donated_on=iso_days_ago(400 + 100 * d))
                                for n, donor in enumerate(donors) for d in range(3)])
    tally = Tally()
    clients = [asyncio.create_task(file_claims(Client(http, tally), operator, reviewer, donor, n, tally))
               for n, donor in enumerate(donors)]

    await asyncio.sleep(2.0)  # the clients are busy: now the database goes away
    await asyncio.to_thread(system.stop_database)
    down_at = time.monotonic()
    await asyncio.sleep(OUTAGE_S)
    await asyncio.to_thread(system.start_database)
    outage_s = time.monotonic() - down_at
    waits = await asyncio.gather(*(system.wait_ready(name, timeout_s=30) for name in SERVICES))
    back = dict(zip(SERVICES, waits, strict=True))  # seconds from the database's return to each /readyz

    results = await asyncio.gather(*clients, return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures[:3]
    ours = {"ids": tally.created, "refs": [f"claim:{c}" for c in tally.created]}

    async def statuses() -> dict[str, int]:
        return dict(await rig.rows("SELECT status, count(*) FROM claims.claims WHERE id::text = ANY(:ids) "
                                   "GROUP BY status", ids=ours["ids"]))

    deadline = time.monotonic() + 120
    while (paid := await statuses()) != {"paid": len(tally.approved)}:
        assert time.monotonic() < deadline, f"not every approved claim was paid: {paid}"
        await asyncio.sleep(0.5)
    while await rig.rows("SELECT 1 FROM claims.outbox WHERE claim_id::text = ANY(:ids) AND status = 'pending' "
                         "UNION ALL SELECT 1 FROM payments.outbox WHERE source_ref = ANY(:refs) AND status = 'pending'",
                         ids=ours["ids"], refs=ours["refs"]):
        assert time.monotonic() < deadline, "outbox rows still pending"  # the last messages go out
        await asyncio.sleep(0.5)
    ledger = (await http.get(system.url_of("bank-sandbox") + "/sandbox/ledger")).json()

    claims = await rig.rows("SELECT id::text, invoice_number FROM claims.claims WHERE invoice_number LIKE 'DB-%'")
    disbursements = await rig.rows("SELECT source_ref, state, merchant_transfer_no FROM payments.disbursements "
                                   "WHERE source_ref = ANY(:refs)", refs=ours["refs"])
    outbox = dict(await rig.rows("SELECT kind || ':' || status, count(*) FROM claims.outbox "
                                 "WHERE claim_id::text = ANY(:ids) GROUP BY 1", ids=ours["ids"]))
    events = dict(await rig.rows("SELECT status, count(*) FROM payments.outbox WHERE source_ref = ANY(:refs) "
                                 "GROUP BY 1", refs=ours["refs"]))
    [paid_messages] = await rig.rows("SELECT count(DISTINCT claim_id) FROM claims.sandbox_notifications "
                                     "WHERE template = 'claim_paid' AND claim_id::text = ANY(:ids)", ids=ours["ids"])
    holds = dict(await rig.rows("SELECT state, count(*) FROM entitlement.holds WHERE reference = ANY(:refs) "
                                "GROUP BY 1", refs=ours["refs"]))
    numbers = {d.merchant_transfer_no for d in disbursements}
    payouts = [p for p in ledger["payouts"] if p["merchant_transfer_no"] in numbers]

    n = CLIENTS * CLAIMS_PER_CLIENT
    counts = {"requests": sum(tally.statuses.values()), "statuses": dict(tally.statuses),
              "503s": tally.statuses[503], "claims": len(claims), "approved": len(tally.approved),
              "payouts": len(payouts), "outage_s": round(outage_s, 1),
              "readyz_after_db_s": {k: round(v, 2) for k, v in back.items()}}
    print("\nFAULT database-restart counts:", json.dumps(counts))
    # Every answer a 2xx or a 503 with Retry-After; no 500, no hang.
    assert set(tally.statuses) <= {200, 201, 503}, tally.statuses
    assert tally.unexpected == [] and tally.hangs == [] and tally.without_retry_after == []
    assert tally.statuses[503] > 0  # the outage was felt (else this test proved nothing)
    # Every claim once: as many rows as creates, each invoice once.
    assert len(claims) == len(tally.created) == n and len({c.invoice_number for c in claims}) == n
    assert sorted(c.id for c in claims) == sorted(tally.created)
    # Every approved claim paid exactly once, on the bank's own ledger.
    assert paid == {"paid": n}
    assert sorted((d.source_ref, d.state) for d in disbursements) == sorted((r, "succeeded") for r in ours["refs"])
    assert Counter(p["merchant_transfer_no"] for p in payouts) == Counter({no: 1 for no in numbers})
    assert sum(p["amount_fen"] for p in payouts) == 22_000 * n
    # No outbox row lost: each claim's commit and payment delivered, each payment event delivered.
    assert outbox.get("hold_commit:delivered") == n and outbox.get("payment_request:delivered") == n
    assert not any(key.endswith((":pending", ":dead")) for key in outbox), outbox
    assert events == {"delivered": n}, events
    assert paid_messages[0] == n
    assert holds == {"committed": n}, holds
    # Ready again within 5 s of the database.
    assert max(back.values()) <= 5.0, back
