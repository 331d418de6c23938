"""Closed-loop load: N concurrent clients, each sending its next quote as soon as the last
one is answered; latency per request, throughput over the whole run, and the CPU time each
process spent on it."""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import psutil

from bench.registry import PROVINCE, resident_id
from kit import http

QUOTE_PATHS = {"gateway": "/ops/v1/quotes", "direct": "/v1/quotes"}
# One request of a run: method, path, body (None: no body).
Call = tuple[str, str, bytes | None]


def quote_body(cert_number: str) -> bytes:
    """A quote for the donor themself: 2 units of red cells in Beijing."""
    person = {"cert_type": "resident_id", "cert_number": cert_number}
    return json.dumps({
        "province": PROVINCE, "donor": person, "beneficiary": person, "relationship": "self",
        "used_on": "2025-03-01", "usage_province": PROVINCE,
        "items": [{"product": "red_cells", "quantity": 2}], "blood_fee_fen": 88000,
    }).encode()


def quote_calls(target: str) -> Callable[[random.Random, int, int], list[Call]]:
    """Quotes of random donors among the first `donors`, through the gateway or direct."""
    path = QUOTE_PATHS[target]
    return lambda rng, donors, n: [("POST", path, quote_body(resident_id(rng.randrange(donors))))
                                   for _ in range(n)]


def floor_calls(donor_ids: list[str]) -> Callable[[random.Random, int, int], list[Call]]:
    """The floor's primary-key reads of random donors (ids sampled from the registry)."""
    return lambda rng, _donors, n: [("GET", f"/donors/{rng.choice(donor_ids)}", None) for _ in range(n)]


class CpuMeter:
    """CPU seconds (user + system) of named process groups between two snapshots, and of the
    whole machine: `other` is what processes we did not start used meanwhile (on a shared
    machine, the noise in the figures).

    A group in `reaped` (PostgreSQL) also counts its descendants: the live ones, and through
    the root's `children_*` times the ones that exited meanwhile (a connection pool over its
    size closes connections, and their backends exit)."""

    def __init__(self, groups: dict[str, int], *, reaped: frozenset[str] = frozenset()) -> None:
        self._roots = {name: psutil.Process(pid) for name, pid in groups.items()}
        self._reaped = reaped

    def _total(self, name: str) -> float:
        root = self._roots[name]
        times = root.cpu_times()
        total = times.user + times.system
        if name in self._reaped:
            total += times.children_user + times.children_system
            for child in root.children(recursive=True):
                try:
                    t = child.cpu_times()
                    total += t.user + t.system
                except psutil.NoSuchProcess:  # exited meanwhile: counted once reaped
                    pass
        return total

    def snapshot(self) -> dict[str, float]:
        snap = {name: self._total(name) for name in self._roots}
        m = psutil.cpu_times()  # guest time is already inside user; steal is not ours
        snap["_machine"] = m.user + m.system + sum(getattr(m, f, 0.0)
                                                   for f in ("nice", "irq", "softirq"))
        return snap

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        spent = {name: after[name] - before[name] for name in after}
        machine = spent.pop("_machine")
        spent["other"] = max(0.0, machine - sum(spent.values()))
        return spent


@dataclass
class PhaseResult:
    """One configuration (target, clients, registry size): one run, or several merged."""

    target: str  # gateway | direct | floor
    concurrency: int
    donors: int
    requests: int
    elapsed_s: float
    latencies_s: list[float] = field(repr=False)
    errors: list[str]
    cpu_s: dict[str, float]
    db_sessions: int  # PostgreSQL connections opened meanwhile (pool churn)
    round_rps: list[float] = field(default_factory=list)  # throughput of each run merged
    round_medians_s: list[float] = field(default_factory=list)  # median latency of each run

    def _pct(self, q: int) -> float:
        return statistics.quantiles(self.latencies_s, n=100, method="inclusive")[q - 1] * 1000

    @property
    def median_ms(self) -> float:
        """The median latency; of several runs merged, the median of their medians (a run
        disturbed by other work on the machine is outvoted). Tails come from all samples."""
        if self.round_medians_s:
            return statistics.median(self.round_medians_s) * 1000
        return statistics.median(self.latencies_s) * 1000

    @property
    def p95_ms(self) -> float:
        return self._pct(95)

    @property
    def p99_ms(self) -> float:
        return self._pct(99)

    @property
    def rps(self) -> float:
        """Requests/s: the median over the runs merged (robust to one disturbed run)."""
        if self.round_rps:
            return statistics.median(self.round_rps)
        return len(self.latencies_s) / self.elapsed_s

    @property
    def other_load(self) -> float:
        """Share of the machine's CPUs used by processes not ours while this ran."""
        return self.cpu_s.get("other", 0.0) / self.elapsed_s / (os.cpu_count() or 1)

    @property
    def own_cpu_ms(self) -> float:
        """CPU per quote of everything we run (client, gateway, entitlement, PostgreSQL)."""
        return sum(v for k, v in self.cpu_ms_per_request().items() if k != "other")

    def cpu_ms_per_request(self) -> dict[str, float]:
        return {name: s * 1000 / self.requests for name, s in self.cpu_s.items()}

    def as_dict(self) -> dict[str, object]:
        cpu = {k: round(v, 3) for k, v in self.cpu_ms_per_request().items()}
        return {"target": self.target, "concurrency": self.concurrency, "donors": self.donors,
                "requests": self.requests, "errors": len(self.errors),
                "elapsed_s": round(self.elapsed_s, 3), "median_ms": round(self.median_ms, 3),
                "p95_ms": round(self.p95_ms, 3), "p99_ms": round(self.p99_ms, 3),
                "rps": round(self.rps, 1), "round_rps": [round(r, 1) for r in self.round_rps],
                "round_median_ms": [round(m * 1000, 3) for m in self.round_medians_s],
                "cpu_ms_per_request": cpu, "db_sessions_opened": self.db_sessions,
                "other_load": round(self.other_load, 3)}


def merge(runs: list[PhaseResult]) -> PhaseResult:
    """Rounds of one configuration: median latency and throughput are the median of the
    rounds', the percentiles come from the pooled latencies."""
    first = runs[0]
    return PhaseResult(
        target=first.target, concurrency=first.concurrency, donors=first.donors,
        requests=sum(r.requests for r in runs), elapsed_s=sum(r.elapsed_s for r in runs),
        latencies_s=[x for r in runs for x in r.latencies_s],
        errors=[e for r in runs for e in r.errors],
        cpu_s={k: sum(r.cpu_s[k] for r in runs) for k in first.cpu_s},
        db_sessions=sum(r.db_sessions for r in runs), round_rps=[r.rps for r in runs],
        round_medians_s=[r.median_ms / 1000 for r in runs],
    )


async def _drive(client: httpx.AsyncClient, headers: dict[str, str], calls: list[Call],
                 concurrency: int) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    work: Iterator[Call] = iter(calls)

    async def worker() -> None:
        for method, path, body in work:  # one shared iterator: each call is made once, by whoever is free
            t0 = time.perf_counter()
            try:
                response = await client.request(method, path, content=body, headers=headers)
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - t0
            if response.status_code == 200:
                latencies.append(elapsed)
            else:
                errors.append(f"{response.status_code}: {response.text[:300]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


async def run_phase(*, target: str, base_url: str, headers: dict[str, str], donors: int,
                    concurrency: int, requests: int, warmup: int, meter: CpuMeter,
                    rng: random.Random, sessions: Callable[[], Awaitable[int]],
                    calls: Callable[[random.Random, int, int], list[Call]]) -> PhaseResult:
    """Warm up (not counted), then `requests` calls about random donors at `concurrency`."""
    headers = {**headers, "Content-Type": "application/json"}
    warm = calls(rng, donors, warmup)
    measured = calls(rng, donors, requests)  # built before the clock starts
    # The same client the gateway uses for its downstream calls (kit.http: aiohttp transport).
    client = http.make_client(base_url, timeout_s=60, max_connections=max(concurrency, 10))
    async with client:
        _, warm_errors, _ = await _drive(client, headers, warm, concurrency)
        if warm_errors:
            raise RuntimeError(f"{target}: warm-up failed, e.g. {warm_errors[0]}")
        sessions_before = await sessions()
        before = meter.snapshot()
        latencies, errors, elapsed = await _drive(client, headers, measured, concurrency)
        cpu = CpuMeter.spent(before, meter.snapshot())
        opened = await sessions() - sessions_before
    if not latencies:
        raise RuntimeError(f"{target}: every request failed, e.g. {errors[0]}")
    return PhaseResult(target=target, concurrency=concurrency, donors=donors, requests=requests,
                       elapsed_s=elapsed, latencies_s=latencies, errors=errors, cpu_s=cpu,
                       db_sessions=opened)
