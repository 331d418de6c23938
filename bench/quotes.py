"""Quote latency and throughput, through the gateway and straight to the entitlement service,
with a registry of 10,000 and of 1,000,000 generated donors (`make bench`; bench/README.md).

Goals (from the issue):
  1. the cost of a quote does not grow with registry size: median latency at the large
     registry / at the small one <= 1.2, for every target and client count measured;
  2. throughput through the gateway >= 40% of calling the entitlement service directly
     (at the highest client count, at every registry size).
The benchmark reports PASS/FAIL against both; its exit code says only whether it ran.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from bench.load import CpuMeter, PhaseResult, floor_calls, merge, quote_calls, run_phase
from bench.registry import Crypto, LoadReport, grow, self_check
from bench.system import BenchSetupError, System, running_system
from kit.identity import HEADER as CALLER_HEADER
from kit.identity import Caller, IdentitySigner
from stack.embedded_pg import EmbeddedPostgres
from stack.processes import die_with_parent

TARGETS = ("floor", "direct", "gateway")
LATENCY_RATIO_GOAL = 1.2
THROUGHPUT_SHARE_GOAL = 0.40
BUSY = 0.10  # other processes using more than this share of the CPUs make a run suspect


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--donors-small", type=int, default=10_000,
                        help="first registry size (default 10000)")
    parser.add_argument("--donors-large", type=int, default=1_000_000,
                        help="the registry is then grown to this size (default 1000000)")
    parser.add_argument("--skip-large", action="store_true", help="measure the small registry only")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 32],
                        help="concurrent clients per run (default 1 32)")
    parser.add_argument("--requests", type=int, default=10_000,
                        help="measured requests per configuration with several clients "
                             "(default 10000)")
    parser.add_argument("--requests-single", type=int, default=2000,
                        help="measured requests per configuration with one client (default 2000)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="split each configuration's requests into this many rounds, taken "
                             "in turn with the other configurations; median latency and req/s "
                             "are the median round's, p95/p99 come from all requests (default 5)")
    parser.add_argument("--warmup", type=int, default=300,
                        help="unmeasured requests before each round (default 300)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="processes generating the registry (default: CPU count)")
    parser.add_argument("--seed", type=int, default=2026,
                        help="seed of the generated registry and of the donors picked")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the gateway and entitlement processes, to "
                             "try a setting (e.g. GATEWAY_DB_POOL_SIZE=40); repeatable")
    args = parser.parse_args(argv)
    if args.donors_small < 1 or (not args.skip_large and args.donors_large <= args.donors_small):
        parser.error("need 1 <= --donors-small < --donors-large (or --skip-large)")
    if any("=" not in item for item in args.env):
        parser.error("--env takes NAME=VALUE")
    args.env = dict(item.split("=", 1) for item in args.env)
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    if min(args.clients) < 1 or args.requests < 2 or args.requests_single < 2:
        parser.error("clients must be >= 1 and request counts >= 2")
    return args


def say(text: str) -> None:
    print(text, flush=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


async def _environment(system: System) -> dict[str, str]:
    conn = await asyncpg.connect(**system.pg_connect_kwargs())
    try:
        pg_version = await conn.fetchval("SHOW server_version")
        shared_buffers = await conn.fetchval("SHOW shared_buffers")
    finally:
        await conn.close()
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": str(os.cpu_count()), "cpu": _cpu_model(),
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "python": platform.python_version(),
        "postgres": f"{pg_version} (shared_buffers {shared_buffers})",
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
    }


async def _other_load(meter: CpuMeter, seconds: float = 3.0) -> str:
    """How busy the machine is with work that is not ours (our processes are idle now)."""
    before = meter.snapshot()
    await asyncio.sleep(seconds)
    other = CpuMeter.spent(before, meter.snapshot())["other"]
    cpus = os.cpu_count() or 1
    share = other / seconds / cpus
    return f"{share:.0%} of {cpus} CPUs" + (" (figures will be noisy)" if share > BUSY else "")


async def _staff_headers(system: System) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=system.gateway.url, trust_env=False,
                                 timeout=10) as client:
        response = await client.post("/ops/v1/auth/token",
                                     data={"username": "admin", "password": system.admin_password})
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _caller_headers(system: System) -> dict[str, str]:
    """What the gateway sends for the admin, signed with its private key (as in
    tests/support/callers.py); valid for an hour, so one token serves a whole run."""
    caller = Caller(subject="admin", kind="staff", roles=["admin"], province=None, channel="ops")
    signer = IdentitySigner(system.keys.identity_private_pem, ttl_s=3600)
    return {CALLER_HEADER: signer.sign(caller)}


def _line(r: PhaseResult) -> str:
    cpu = r.cpu_ms_per_request()
    errors = f", {len(r.errors)} errors (e.g. {r.errors[0]})" if r.errors else ""
    return (f"{r.target:>7} × {r.concurrency:<2} median {r.median_ms:7.2f} ms  "
            f"p95 {r.p95_ms:7.2f}  p99 {r.p99_ms:7.2f}  {r.rps:7.1f} req/s  CPU ms/req: "
            + " ".join(f"{k} {v:.2f}" for k, v in cpu.items())
            + f"  new DB connections {r.db_sessions}" + errors)


def _busy_note(results: list[PhaseResult]) -> str:
    busy = max((r.other_load for r in results), default=0.0)
    if busy <= BUSY:
        return ""
    return (f" (⚠ measured while processes not ours used up to {busy:.0%} of the CPUs: see the "
            f"'other load' column; rerun on a quiet machine to confirm)")


def report(results: list[PhaseResult], loads: list[tuple[int, LoadReport]], env: dict[str, str],
           clients: list[int]) -> tuple[str, dict[str, object]]:
    """A markdown report (for bench/README.md) and the same as data."""
    out = [f"Run {env['date']} · `{env['command']}` · {env['cpus']} CPUs ({env['cpu']}), "
           f"{env['memory']} · Python {env['python']} · PostgreSQL {env['postgres']} · "
           f"other load before the run: {env['other_load']}", ""]
    out += ["| registry | generated | donations | generation (wall) | of which VACUUM ANALYZE "
            "| donors + donations on disk |", "|---:|---:|---:|---:|---:|---:|"]
    for size, load in loads:
        out.append(f"| {size:,} | +{load.donors:,} | +{load.donations:,} | {load.seconds:.1f} s | "
                   f"{load.analyze_s:.1f} s | {load.size_mb:,.0f} MB |")
    groups = list(results[0].cpu_s) if results else []
    out += ["", "| donors | target | clients | requests | median ms (rounds) | p95 ms | p99 ms | "
            "req/s (rounds) | CPU ms per request: " + " / ".join(groups)
            + " | new DB connections | other load |",
            "|---:|---|---:|---:|---:|---:|---:|---|---|---:|---:|"]
    for r in results:
        cpu = r.cpu_ms_per_request()
        several = len(r.round_rps) > 1
        rps_range = f" ({min(r.round_rps):.0f}–{max(r.round_rps):.0f})" if several else ""
        ms = [m * 1000 for m in r.round_medians_s]
        ms_range = f" ({min(ms):.1f}–{max(ms):.1f})" if several else ""
        out.append(f"| {r.donors:,} | {r.target} | {r.concurrency} | {len(r.latencies_s)}"
                   + (f" ({len(r.errors)} failed)" if r.errors else "")
                   + f" | {r.median_ms:.2f}{ms_range} | {r.p95_ms:.2f} | {r.p99_ms:.2f}"
                   + f" | {r.rps:.0f}{rps_range} | "
                   + " / ".join(f"{cpu[g]:.2f}" for g in groups)
                   + f" | {r.db_sessions} | {r.other_load:.0%}"
                   + (" ⚠ |" if r.other_load > BUSY else " |"))

    by = {(r.donors, r.target, r.concurrency): r for r in results}
    sizes = sorted({r.donors for r in results})
    verdicts: dict[str, object] = {}
    out.append("")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        ratios = {f"{t}@{c}": by[(large, t, c)].median_ms / by[(small, t, c)].median_ms
                  for c in clients for t in TARGETS}
        ok = all(v <= LATENCY_RATIO_GOAL for v in ratios.values())
        cpu_ratios = {f"{t}@{c}": by[(large, t, c)].own_cpu_ms / by[(small, t, c)].own_cpu_ms
                      for c in clients for t in TARGETS}
        verdicts["latency_ratio"] = {"ratios": {k: round(v, 3) for k, v in ratios.items()},
                                     "cpu_per_quote_ratios": {k: round(v, 3)
                                                              for k, v in cpu_ratios.items()},
                                     "pass": ok}
        out.append(f"**Goal 1 — median latency at {large:,} / at {small:,} donors "
                   f"<= {LATENCY_RATIO_GOAL}: "
                   f"{'PASS' if ok else 'FAIL'}** — "
                   + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
                   + _busy_note([r for r in results if r.donors in (small, large)]))
        out.append(f"(CPU per quote of our processes, {large:,} / {small:,} donors: "
                   + ", ".join(f"{k} {v:.2f}" for k, v in cpu_ratios.items()) + ")")
    else:
        out.append("Goal 1 — not measured (one registry size only)")
    top = max(clients)
    shares = {size: by[(size, "gateway", top)].rps / by[(size, "direct", top)].rps
              for size in sizes}
    ok = all(v >= THROUGHPUT_SHARE_GOAL for v in shares.values())
    verdicts["throughput_share"] = {
        "clients": top, "shares": {str(k): round(v, 3) for k, v in shares.items()}, "pass": ok}
    out.append(f"**Goal 2 — gateway throughput >= {THROUGHPUT_SHARE_GOAL:.0%} of direct at "
               f"{top} clients: "
               f"{'PASS' if ok else 'FAIL'}** — "
               + ", ".join(f"{size:,} donors {v:.0%}" for size, v in shares.items())
               + _busy_note([r for r in results if r.concurrency == top]))
    data = {"environment": env, "registry": [{"size": s, **vars(load)} for s, load in loads],
            "runs": [r.as_dict() for r in results], "goals": verdicts}
    return "\n".join(out), data


async def _bench(args: argparse.Namespace, root: Path, pg: EmbeddedPostgres) -> str:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    t0 = time.perf_counter()
    say(f"starting PostgreSQL, migrations and the processes in {root} …")
    async with running_system(root, pg, args.env) as system:
        crypto = Crypto.from_service_env(system.keys.service_env("entitlement"))
        self_check(crypto)
        env = await _environment(system)
        say(f"ready in {time.perf_counter() - t0:.1f} s: gateway {system.gateway.url}, "
            f"entitlement {system.entitlement.url}; {env['cpus']} CPUs, "
            f"PostgreSQL {env['postgres']}")
        assert system.floor is not None and system.floor.proc is not None
        meter = CpuMeter({"client": os.getpid(), "gateway": system.gateway.proc.pid,
                          "entitlement": system.entitlement.proc.pid, "floor": system.floor.proc.pid,
                          "postgres": pg.pid},
                         reaped=frozenset({"postgres"}))
        staff = await _staff_headers(system)
        env["other_load"] = await _other_load(meter)
        say(f"CPU used by other processes on this machine before measuring: {env['other_load']}")
        probe = await asyncpg.connect(**system.pg_connect_kwargs())
        try:
            text, data = await _measure(args, system, crypto, env, meter, staff, probe)
        finally:
            await probe.close()
        data["total_s"] = round(time.perf_counter() - t0, 1)
        if args.json:
            args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return text + f"\n\nWhole run: {data['total_s'] / 60:.1f} min."


async def _measure(args: argparse.Namespace, system: System, crypto: Crypto, env: dict[str, str],
                   meter: CpuMeter, staff: dict[str, str],
                   probe: asyncpg.Connection) -> tuple[str, dict[str, object]]:
    async def sessions() -> int:
        return int(await probe.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))

    rng = random.Random(args.seed)
    sizes = [args.donors_small] + ([] if args.skip_large else [args.donors_large])
    loads: list[tuple[int, LoadReport]] = []
    results: list[PhaseResult] = []
    have = 0
    for size in sizes:
        say(f"generating donors {have:,} → {size:,} ({args.workers} processes) …")
        load = await grow(system.pg_connect_kwargs(), crypto, have, size, workers=args.workers,
                          seed=args.seed, progress=say)
        have = size
        loads.append((size, load))
        say(f"  {load.donors:,} donors, {load.donations:,} donations in {load.seconds:.1f} s "
            f"(VACUUM ANALYZE + CHECKPOINT {load.analyze_s:.1f} s); {load.size_mb:,.0f} MB "
            f"with indexes")
        system.check_alive()
        say(f"quotes with {size:,} donors:")
        # The floor reads donors by primary key: ids of the same registry, drawn at random.
        donor_ids = [str(i) for i in await probe.fetchval(
            "SELECT array_agg(id) FROM (SELECT id FROM entitlement.donors ORDER BY random() LIMIT 20000) s")]
        calls = {"floor": floor_calls(donor_ids), "direct": quote_calls("direct"), "gateway": quote_calls("gateway")}
        headers = {"floor": {}, "direct": _caller_headers(system), "gateway": staff}
        processes = {"floor": system.floor, "direct": system.entitlement, "gateway": system.gateway}
        runs: dict[tuple[str, int], list[PhaseResult]] = {}
        for round_no in range(1, args.rounds + 1):
            for clients in args.clients:
                total = args.requests_single if clients == 1 else args.requests
                for target in TARGETS:
                    result = await run_phase(
                        target=target, base_url=processes[target].url, headers=headers[target],
                        donors=size, concurrency=clients, requests=-(-total // args.rounds),
                        warmup=args.warmup, meter=meter, rng=rng, sessions=sessions, calls=calls[target],
                    )
                    say(f"  round {round_no}/{args.rounds} " + _line(result))
                    runs.setdefault((target, clients), []).append(result)
            system.check_alive()
        results += [merge(r) for r in runs.values()]
    return report(results, loads, env, args.clients)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    die_with_parent()
    root = Path(tempfile.mkdtemp(prefix="xuefei-bench-"))
    pg = EmbeddedPostgres(root / "pg")
    try:
        pg.start()
        text = asyncio.run(_bench(args, root, pg))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\ninterrupted; stopping everything", file=sys.stderr, flush=True)
        return 130
    except (BenchSetupError, RuntimeError) as exc:
        print(f"\n✗ {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
    say("\n" + text)
    return 0
