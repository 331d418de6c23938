"""Quote latency and throughput, through the gateway, straight to the entitlement service and on
the floor (a minimal endpoint doing one primary-key read), with a registry of 10,000 and of
1,000,000 generated donors; then the write paths: imports, claim submission, payouts
(`make bench`; bench/README.md).

Goals (from the issues):
  1. the cost of a quote does not grow with registry size: median latency at the large
     registry / at the small one <= 1.2, for every target and client count measured;
  2. throughput through the gateway >= 40% of calling the entitlement service directly;
  3. at 32 clients, throughput through the gateway >= 25% of the floor's, direct >= 50%, at
     every registry size;
  4. p99 through the gateway at 32 clients <= 50 ms at 1,000,000 donors;
  5. no new PostgreSQL connections during the measured rounds;
  6. 10,000 donation records in one import request in under 5 s;
  7. the station CSV CLI at >= 10,000 rows/s end to end;
  8. >= 1,000 disbursements a minute from approval to `succeeded`, two workers, bank sandbox;
  and claim submission at 32 clients, measured (no target yet).
The benchmark reports PASS/FAIL against each; its exit code says only whether it ran.
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
from bench.report import BUSY, TARGETS, report
from bench.system import BenchSetupError, System, running_system
from bench.writes import WriteResults, measure_writes
from kit.identity import HEADER as CALLER_HEADER
from kit.identity import Caller, IdentitySigner
from stack.embedded_pg import EmbeddedPostgres
from stack.processes import die_with_parent


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
                        help="extra environment for every process started, to try a setting "
                             "(e.g. GATEWAY_DB_POOL_SIZE=40); repeatable")
    parser.add_argument("--skip-writes", action="store_true",
                        help="quotes only: no imports, claims or payouts")
    parser.add_argument("--skip-quotes", action="store_true",
                        help="write paths only: no registry generated, no quotes measured")
    parser.add_argument("--claims", type=int, default=600,
                        help="claims drafted, submitted at 32 clients, approved and paid (default 600)")
    parser.add_argument("--csv-rows", type=int, default=50_000,
                        help="rows of the CSV the station import CLI loads (default 50000)")
    args = parser.parse_args(argv)
    if args.donors_small < 1 or (not args.skip_large and args.donors_large <= args.donors_small):
        parser.error("need 1 <= --donors-small < --donors-large (or --skip-large)")
    if args.skip_quotes and args.skip_writes:
        parser.error("--skip-quotes and --skip-writes leave nothing to measure")
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
    sizes = [] if args.skip_quotes else [args.donors_small] + ([] if args.skip_large else [args.donors_large])
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
    writes: WriteResults | None = None
    if not args.skip_writes:
        writes = await measure_writes(system, staff, probe, first_donor=have, claims=args.claims,
                                      csv_rows=args.csv_rows, seed=args.seed, say=say)
    return report(results, loads, env, args.clients, writes)


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
