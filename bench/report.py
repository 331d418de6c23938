"""The bench's report: markdown tables for bench/README.md, a PASS/FAIL line per goal of the issue,
and the same as data (`--json`)."""

from __future__ import annotations

from typing import Any

from bench.load import PhaseResult
from bench.registry import LoadReport
from bench.writes import WriteResults

TARGETS = ("floor", "direct", "gateway")
BUSY = 0.10  # other processes using more than this share of the CPUs make a run suspect
LATENCY_RATIO_GOAL = 1.2
THROUGHPUT_SHARE_GOAL = 0.40  # gateway / direct
FLOOR_SHARE_GOALS = {"gateway": 0.25, "direct": 0.50}  # of the floor's throughput
P99_GOAL_MS = 50.0
IMPORT_GOAL_S = 5.0
CSV_GOAL_ROWS_S = 10_000
PAYOUTS_GOAL_PER_MIN = 1_000


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _busy_note(results: list[PhaseResult]) -> str:
    busy = max((r.other_load for r in results), default=0.0)
    if busy <= BUSY:
        return ""
    return (f" (⚠ measured while processes not ours used up to {busy:.0%} of the CPUs: see the "
            f"'other load' column; rerun on a quiet machine to confirm)")


def _tables(results: list[PhaseResult], loads: list[tuple[int, LoadReport]], env: dict[str, str],
            floor_rps: dict[tuple[int, int], float]) -> list[str]:
    out = [f"Run {env['date']} · `{env['command']}` · {env['cpus']} CPUs ({env['cpu']}), "
           f"{env['memory']} · Python {env['python']} · PostgreSQL {env['postgres']} · "
           f"other load before the run: {env['other_load']}", ""]
    if not results:  # --skip-quotes: the write paths only
        return out
    out += ["| registry | generated | donations | generation (wall) | of which VACUUM ANALYZE "
            "| donors + donations on disk |", "|---:|---:|---:|---:|---:|---:|"]
    for size, load in loads:
        out.append(f"| {size:,} | +{load.donors:,} | +{load.donations:,} | {load.seconds:.1f} s | "
                   f"{load.analyze_s:.1f} s | {load.size_mb:,.0f} MB |")
    groups = list(results[0].cpu_s) if results else []
    out += ["", "| donors | target | clients | requests | median ms (rounds) | p95 ms | p99 ms | "
            "req/s (rounds) | of floor | CPU ms per request: " + " / ".join(groups)
            + " | new DB connections | other load |",
            "|---:|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|"]
    for r in results:
        cpu = r.cpu_ms_per_request()
        several = len(r.round_rps) > 1
        rps_range = f" ({min(r.round_rps):.0f}–{max(r.round_rps):.0f})" if several else ""
        ms = [m * 1000 for m in r.round_medians_s]
        ms_range = f" ({min(ms):.1f}–{max(ms):.1f})" if several else ""
        floor = floor_rps.get((r.donors, r.concurrency))
        share = f"{r.rps / floor:.0%}" if floor else "–"
        out.append(f"| {r.donors:,} | {r.target} | {r.concurrency} | {len(r.latencies_s)}"
                   + (f" ({len(r.errors)} failed)" if r.errors else "")
                   + f" | {r.median_ms:.2f}{ms_range} | {r.p95_ms:.2f} | {r.p99_ms:.2f}"
                   + f" | {r.rps:.0f}{rps_range} | {share} | "
                   + " / ".join(f"{cpu[g]:.2f}" for g in groups)
                   + f" | {r.db_sessions} | {r.other_load:.0%}"
                   + (" ⚠ |" if r.other_load > BUSY else " |"))
    return out


def _quote_goals(results: list[PhaseResult], clients: list[int], floor_rps: dict[tuple[int, int], float],
                 verdicts: dict[str, Any]) -> list[str]:
    by = {(r.donors, r.target, r.concurrency): r for r in results}
    sizes = sorted({r.donors for r in results})
    top, out = max(clients), []
    quoted = [t for t in TARGETS if t != "floor"]
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        ratios = {f"{t}@{c}": by[(large, t, c)].median_ms / by[(small, t, c)].median_ms
                  for c in clients for t in quoted}
        cpu_ratios = {f"{t}@{c}": by[(large, t, c)].own_cpu_ms / by[(small, t, c)].own_cpu_ms
                      for c in clients for t in quoted}
        # The floor reads one row by primary key: its ratio is what the machine (and a B-tree one
        # level deeper) did between the two halves of the run, a reference for reading the others.
        floor_ratios = {f"floor@{c}": by[(large, "floor", c)].own_cpu_ms / by[(small, "floor", c)].own_cpu_ms
                        for c in clients}
        ok = all(v <= LATENCY_RATIO_GOAL for v in ratios.values())
        verdicts["latency_ratio"] = {"ratios": {k: round(v, 3) for k, v in ratios.items()},
                                     "cpu_per_quote_ratios": {k: round(v, 3) for k, v in cpu_ratios.items()},
                                     "floor_cpu_ratios": {k: round(v, 3) for k, v in floor_ratios.items()},
                                     "pass": ok}
        out.append(f"**Goal 1 — median latency at {large:,} / at {small:,} donors <= {LATENCY_RATIO_GOAL}: "
                   f"{_verdict(ok)}** — " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items())
                   + _busy_note([r for r in results if r.target != "floor"]))
        out.append(f"(CPU per quote of our processes, {large:,} / {small:,} donors: "
                   + ", ".join(f"{k} {v:.2f}" for k, v in cpu_ratios.items()) + "; per request of the floor, for "
                   "reference: " + ", ".join(f"{k} {v:.2f}" for k, v in floor_ratios.items()) + ")")
    else:
        out.append("Goal 1 — not measured (one registry size only)")
    shares = {size: by[(size, "gateway", top)].rps / by[(size, "direct", top)].rps for size in sizes}
    ok = all(v >= THROUGHPUT_SHARE_GOAL for v in shares.values())
    verdicts["throughput_share"] = {"clients": top, "shares": {str(k): round(v, 3) for k, v in shares.items()},
                                    "pass": ok}
    out.append(f"**Goal 2 — gateway throughput >= {THROUGHPUT_SHARE_GOAL:.0%} of direct at {top} clients: "
               f"{_verdict(ok)}** — " + ", ".join(f"{size:,} donors {v:.0%}" for size, v in shares.items())
               + _busy_note([r for r in results if r.concurrency == top]))
    floor = {f"{t}@{size}": by[(size, t, top)].rps / floor_rps[(size, top)] for size in sizes for t in quoted}
    ok = all(v >= FLOOR_SHARE_GOALS[k.split("@")[0]] for k, v in floor.items())
    verdicts["floor_share"] = {"clients": top, "goals": FLOOR_SHARE_GOALS,
                               "shares": {k: round(v, 3) for k, v in floor.items()}, "pass": ok}
    out.append(f"**Goal 3 — throughput at {top} clients >= 25% of the floor through the gateway, >= 50% direct: "
               f"{_verdict(ok)}** — " + ", ".join(f"{k.replace('@', ' at ')} donors {v:.0%}" for k, v in floor.items())
               + _busy_note([r for r in results if r.concurrency == top]))
    largest = sizes[-1]
    p99 = by[(largest, "gateway", top)].p99_ms
    ok = p99 <= P99_GOAL_MS
    verdicts["p99_gateway"] = {"donors": largest, "clients": top, "p99_ms": round(p99, 2), "pass": ok}
    out.append(f"**Goal 4 — p99 through the gateway at {top} clients <= {P99_GOAL_MS:.0f} ms at {largest:,} donors: "
               f"{_verdict(ok)}** — {p99:.1f} ms" + ("" if largest >= 1_000_000 else " (⚠ not at 1,000,000 donors)")
               + _busy_note([by[(largest, "gateway", top)]]))
    opened = {f"{r.target}@{r.concurrency}/{r.donors:,}": r.db_sessions for r in results if r.db_sessions}
    ok = not opened
    verdicts["no_new_connections"] = {"opened": opened, "pass": ok}
    out.append(f"**Goal 5 — no new PostgreSQL connections during the measured rounds: {_verdict(ok)}** — "
               + (", ".join(f"{k}: {v}" for k, v in opened.items()) if opened else "0 in every configuration"))
    return out


def _write_goals(w: WriteResults, verdicts: dict[str, Any]) -> list[str]:
    out = ["", "| write path | measured | goal | verdict |", "|---|---:|---:|---|"]
    rows = [
        ("import_one_request", f"donation import, {w.import_records:,} records in one request", f"{w.import_s:.2f} s",
         f"< {IMPORT_GOAL_S:.0f} s", w.import_records == 10_000 and w.import_s < IMPORT_GOAL_S),
        ("csv_cli", f"station CSV CLI, {w.csv_rows:,} rows end to end",
         f"{w.csv_rows_per_s:,.0f} rows/s ({w.csv_s:.1f} s)", f">= {CSV_GOAL_ROWS_S:,} rows/s",
         w.csv_rows_per_s >= CSV_GOAL_ROWS_S),
        ("payouts", f"payouts, {w.approved} claims approved → `succeeded` (2 workers, bank sandbox)",
         f"{w.payouts_per_min:,.0f} /min ({w.payout_s:.0f} s; first after {w.payout_first_s:.0f} s, "
         f"{w.payout_steady_per_min:,.0f}/min from first to last)", f">= {PAYOUTS_GOAL_PER_MIN:,} /min",
         w.payouts_per_min >= PAYOUTS_GOAL_PER_MIN and w.paid_once),
    ]
    for key, what, measured, goal, ok in rows:
        verdicts[key] = {"measured": measured, "goal": goal, "pass": bool(ok and not w.errors)}
        out.append(f"| {what} | {measured} | {goal} | **{_verdict(bool(ok and not w.errors))}** |")
    verdicts["claim_submit"] = {"claims": w.claims, "per_s": round(w.submits_per_s, 1),
                                "p99_ms": round(w.submit_p99_ms, 1)}
    out.append(f"| claim submit at 32 clients, {w.claims} claims | {w.submits_per_s:.1f} /s "
               f"(p99 {w.submit_p99_ms:.0f} ms) | measured, no target yet | – |")
    out.append(f"| every disbursement paid exactly once (bank sandbox ledger) | {'yes' if w.paid_once else 'NO'} "
               f"| yes | **{_verdict(w.paid_once)}** |")
    if w.errors:
        out.append(f"\n⚠ {len(w.errors)} errors in the write paths, e.g. {w.errors[0]}")
    return out


def report(results: list[PhaseResult], loads: list[tuple[int, LoadReport]], env: dict[str, str],
           clients: list[int], writes: WriteResults | None) -> tuple[str, dict[str, object]]:
    """A markdown report (for bench/README.md) and the same as data."""
    floor_rps = {(r.donors, r.concurrency): r.rps for r in results if r.target == "floor"}
    verdicts: dict[str, Any] = {}
    out = _tables(results, loads, env, floor_rps)
    if results:
        out += [""] + _quote_goals(results, clients, floor_rps, verdicts)
    if writes is not None:
        out += _write_goals(writes, verdicts)
    runs = [{**r.as_dict(), "of_floor": round(r.rps / floor_rps[(r.donors, r.concurrency)], 3)} for r in results]
    data = {"environment": env, "registry": [{"size": s, **vars(load)} for s, load in loads], "runs": runs,
            "writes": writes.as_dict() if writes else None, "goals": verdicts}
    return "\n".join(out), data
