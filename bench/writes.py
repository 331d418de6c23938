"""The write paths (issue 16): the donation import (one request of 10,000 records, and the station
CSV CLI end to end), claim submission at 32 clients, and payouts from approval to `succeeded` on the
bank sandbox with two payments workers. Everything goes through the gateway's ops API with the
processes, command lines and settings `make run` uses.

Donors for the imports and claims come after the generated registry (`resident_id(i)` for
i >= its size), so nothing collides with what the quotes used.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from PIL import Image

from bench.registry import donation_records, resident_id
from bench.system import System
from kit import clock, http

CLIENTS = 32
CSV_FIELDS = ("donation_no", "station_code", "cert_type", "cert_number", "name", "province", "military",
              "donated_on", "kind", "volume_ml", "units", "qualified", "phone")
DOCUMENTS = ("donor_id_front", "donor_id_back", "fee_list", "invoice")
REVIEWER, REVIEWER_PASSWORD = "bench_reviewer", "bench reviewer password"
CLAIM_FEE_FEN = 44_000  # 2 U of red cells used outside Beijing: within every donor's quota


@dataclass
class WriteResults:
    import_records: int = 0
    import_s: float = 0.0
    csv_rows: int = 0
    csv_s: float = 0.0
    csv_cpu_s: float = 0.0  # the CLI process itself
    claims: int = 0  # submitted
    approved: int = 0
    submit_s: float = 0.0
    submit_p99_ms: float = 0.0
    approve_s: float = 0.0
    payout_s: float = 0.0  # first approval sent -> last disbursement succeeded
    payout_first_s: float = 0.0  # first approval sent -> first disbursement succeeded
    payout_steady_per_min: float = 0.0  # between the first and the last success
    paid_once: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def csv_rows_per_s(self) -> float:
        return self.csv_rows / self.csv_s if self.csv_s else 0.0

    @property
    def submits_per_s(self) -> float:
        return self.claims / self.submit_s if self.submit_s else 0.0

    @property
    def payouts_per_min(self) -> float:
        return self.approved / self.payout_s * 60 if self.payout_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "csv_rows_per_s": round(self.csv_rows_per_s, 1),
                "submits_per_s": round(self.submits_per_s, 1), "payouts_per_min": round(self.payouts_per_min, 1)}


def records_from(first: int, count: int, seed: int) -> tuple[list[dict[str, Any]], int]:
    """`count` station records of donors first, first+1, ...; returns them and the next donor."""
    rng, out, i = random.Random(f"{seed}:writes:{first}"), [], first
    while len(out) < count:
        out += donation_records(i, rng)
        i += 1
    return out[:count], i


def write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in records:
            writer.writerow({k: "" if r.get(k) is None else str(r[k]).lower() if isinstance(r[k], bool) else r[k]
                             for k in CSV_FIELDS})


async def _import_one_request(client: httpx.AsyncClient, staff: dict[str, str], records: list[dict[str, Any]],
                              results: WriteResults) -> None:
    t0 = time.perf_counter()
    response = await client.post("/ops/v1/donations", json={"records": records}, headers=staff)
    results.import_s = time.perf_counter() - t0
    results.import_records = len(records)
    if response.status_code != 200 or response.json()["created"] != len(records):
        results.errors.append(f"import: HTTP {response.status_code} {response.text[:300]}")


async def _import_csv(system: System, path: Path, rows: int, results: WriteResults) -> None:
    env = {**os.environ, "XUEFEI_PASSWORD": system.admin_password}
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.entitlement", "import-donations", str(path), "--url", system.gateway.url,
        "--username", "admin", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await proc.communicate()
    results.csv_s = time.perf_counter() - t0
    results.csv_rows = rows
    if proc.returncode != 0 or f"created {rows}, unchanged 0, rejected 0" not in out.decode():
        results.errors.append(f"CSV CLI: exit {proc.returncode}: {out.decode()[-300:]}")


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def claim_body(i: int, n: int) -> dict[str, Any]:
    """Donor i claims 2 U of red cells used in Hebei 30 days ago (a reimbursement, not a reduction)."""
    cert = resident_id(i)
    used_on, paid_on = clock.today() - timedelta(days=30), clock.today() - timedelta(days=25)
    person = {"cert_type": "resident_id", "cert_number": cert, "name": "献血者"}
    return {
        "province": "11", "channel": "counter", "donor": person, "beneficiary": person, "relationship": "self",
        "kinship_evidence": None, "agent": None, "donor_deceased": False,
        "usage": {"hospital_name": "河北医科大学第二医院", "usage_province": "13",
                  "used_on": used_on.isoformat(), "paid_on": paid_on.isoformat(),
                  "items": [{"product": "red_cells", "quantity": 2}]},
        "invoice": {"code": "130100226", "number": f"B{n:08d}", "check_code": "x",
                    "issued_on": paid_on.isoformat(), "total_fen": 500_000,
                    "blood_fee_fen": CLAIM_FEE_FEN},
        # Ends in 1: the bank sandbox returns transfers to accounts ending in 0000 (退票), one donor in
        # 10,000 here, and a returned payout never becomes `succeeded` (the bench would wait in vain).
        "payee": {"account_name": "献血者", "account_number": f"62220212{n:010d}1", "bank_name": "中国工商银行"},
    }


async def _pool(items: list[Any], work: Callable[[Any], Awaitable[None]], clients: int = CLIENTS) -> None:
    """`clients` closed-loop workers over `items`, each taking the next as soon as it is done."""
    it: Iterator[Any] = iter(items)

    async def worker() -> None:
        for item in it:
            await work(item)

    await asyncio.gather(*(worker() for _ in range(clients)))


async def _draft_claims(client: httpx.AsyncClient, staff: dict[str, str], donors: list[int],
                        errors: list[str]) -> list[str]:
    photo, ids = jpeg(), []

    async def draft(item: tuple[int, int]) -> None:
        n, donor = item
        created = await client.post("/ops/v1/claims", json=claim_body(donor, n), headers=staff)
        if created.status_code != 201:
            errors.append(f"claim: HTTP {created.status_code} {created.text[:200]}")
            return
        claim_id = created.json()["id"]
        for kind in DOCUMENTS:
            uploaded = await client.post(f"/ops/v1/claims/{claim_id}/documents", headers=staff, data={"kind": kind},
                                         files={"file": ("p.jpg", photo, "image/jpeg")})
            if uploaded.status_code != 201:
                errors.append(f"document: HTTP {uploaded.status_code} {uploaded.text[:200]}")
                return
        ids.append(claim_id)

    await _pool(list(enumerate(donors)), draft)
    return ids


async def _timed_posts(client: httpx.AsyncClient, headers: dict[str, str], paths: list[str],
                       body: dict[str, Any] | None, errors: list[str]) -> tuple[float, list[float]]:
    """(seconds, latencies of the requests that succeeded)."""
    latencies: list[float] = []

    async def post(path: str) -> None:
        t0 = time.perf_counter()
        response = await client.post(path, json=body, headers=headers)
        if response.status_code != 200:
            errors.append(f"{path}: HTTP {response.status_code} {response.text[:200]}")
            return
        latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await _pool(paths, post)
    return time.perf_counter() - t0, latencies


async def _reviewer(client: httpx.AsyncClient, staff: dict[str, str]) -> dict[str, str]:
    created = await client.post("/ops/v1/users", headers=staff, json={
        "username": REVIEWER, "password": REVIEWER_PASSWORD, "roles": ["reviewer"], "province": "11"})
    if created.status_code not in (201, 409):
        raise RuntimeError(f"reviewer account: HTTP {created.status_code} {created.text[:200]}")
    token = await client.post("/ops/v1/auth/token", data={"username": REVIEWER, "password": REVIEWER_PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _wait_paid(probe: asyncpg.Connection, count: int, timeout_s: float) -> tuple[float, float] | None:
    """Poll until `count` disbursements succeeded; (first, last) finish times as epoch seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, first, last = await probe.fetchrow(
            "SELECT count(*), extract(epoch FROM min(finished_at)), extract(epoch FROM max(finished_at)) "
            "FROM payments.disbursements WHERE state = 'succeeded'")
        if done >= count:
            return float(first), float(last)
        await asyncio.sleep(0.5)
    return None


def _say_errors(errors: list[str], say: Callable[[str], None]) -> None:
    for error in errors[:3]:
        say(f"  ! {error}")
    if len(errors) > 3:
        say(f"  ! … {len(errors) - 3} more")


async def measure_writes(system: System, staff: dict[str, str], probe: asyncpg.Connection, *, first_donor: int,
                         claims: int, csv_rows: int, seed: int, say: Callable[[str], None]) -> WriteResults:
    results = WriteResults()
    records, next_donor = records_from(first_donor, 10_000, seed)
    csv_records, next_donor = records_from(next_donor, csv_rows, seed)
    path = system.root / "station-export.csv"
    write_csv(path, csv_records)
    client = http.make_client(system.gateway.url, timeout_s=120, max_connections=CLIENTS)
    async with client:
        say("import: 10,000 records in one request …")
        await _import_one_request(client, staff, records, results)
        say(f"  {results.import_s:.2f} s")
        say(f"import: the CSV CLI, {csv_rows:,} rows …")
        await _import_csv(system, path, csv_rows, results)
        say(f"  {results.csv_s:.2f} s, {results.csv_rows_per_s:,.0f} rows/s")
        # The claim donors were imported just now: each has Beijing donations to claim against.
        donors = list(range(first_donor, first_donor + claims))
        say(f"claims: starting claims, payments, the bank sandbox and two payments workers; {claims} drafts …")
        await system.start_write_path()
        reviewer = await _reviewer(client, staff)
        ids = await _draft_claims(client, staff, donors, results.errors)
        _say_errors(results.errors, say)
        say(f"claims: submitting {len(ids)} at {CLIENTS} clients …")
        results.submit_s, latencies = await _timed_posts(
            client, staff, [f"/ops/v1/claims/{c}/submit" for c in ids], None, results.errors)
        results.claims = len(latencies)
        latencies.sort()
        results.submit_p99_ms = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else 0.0
        say(f"  {results.submits_per_s:.1f} submits/s, p99 {results.submit_p99_ms:.0f} ms")
        say(f"payouts: approving {results.claims} at {CLIENTS} clients, then waiting for every transfer …")
        start = clock.now().timestamp()  # compared with the finish times the workers record
        results.approve_s, approved = await _timed_posts(
            client, reviewer, [f"/ops/v1/claims/{c}/decision" for c in ids],
            {"decision": "approve", "note": "bench"}, results.errors)
        results.approved = len(approved)
        finished = await _wait_paid(probe, results.approved, timeout_s=600)
    _say_errors(results.errors, say)
    if finished is None:
        results.errors.append("payouts: not every disbursement succeeded within 10 minutes")
    else:
        first, last = finished
        results.payout_s, results.payout_first_s = last - start, first - start
        results.payout_steady_per_min = (results.approved - 1) / (last - first) * 60 if last > first else 0.0
        once = await probe.fetchval("SELECT count(DISTINCT source_ref) = count(*) FROM payments.disbursements")
        results.paid_once = bool(once) and await system.bank_payouts() == results.approved
        say(f"  {results.payouts_per_min:,.0f} per minute end to end (first after {results.payout_first_s:.0f} s, "
            f"{results.payout_steady_per_min:,.0f}/min between first and last)")
    return results
