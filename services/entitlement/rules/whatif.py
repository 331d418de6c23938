"""What-if: real cases judged by the version in force and by a draft version (OpenFisca's
reforms, on recorded situations instead of synthetic ones).

Each case is replayed in the order it happened, with the donations on record and the draws that
were on the donor's pools before it. The baseline uses the recorded draws as they are; the draft
replays them too, but a draw made by an earlier case of this run counts with what the draft would
have drawn for it, and an earlier case on the same invoice leaves what the draft would have left.
So a more generous draft for one claim leaves less for the next claim on the same pool or bill.
Pure: no I/O; the caller gathers the cases.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from services.entitlement.rules.bill import quote_bill
from services.entitlement.rules.errors import RuleError
from services.entitlement.rules.model import BillQuote, Donation, DonorPart, PoolDraw, PoolName, QuoteRequest
from services.entitlement.rules.ruleset import RuleSet


@dataclass(frozen=True)
class RecordedDraw:
    """An earlier draw on a donor's pool, with the hold (and donor part) it belongs to."""

    hold_key: str
    part: int
    pool: PoolName
    ml: int
    state: str  # consumed, held


@dataclass(frozen=True)
class CaseDonor:
    label: str
    relationship: str
    donations: Sequence[Donation]
    prior: Sequence[RecordedDraw]


@dataclass(frozen=True)
class Case:
    reference: str
    kind: str  # claim, reduction_notice
    status: str
    hold_key: str | None
    baseline: RuleSet  # the version in force on the use date
    donors: Sequence[CaseDonor]
    request: QuoteRequest  # *_before: earlier reductions of the bill as recorded
    invoice_key: str | None
    recorded_fen: int


@dataclass(frozen=True)
class CaseResult:
    reference: str
    kind: str
    status: str
    used_on: str
    baseline_rule_set: str
    recorded_fen: int
    baseline_fen: int
    draft_fen: int
    difference_fen: int
    why: list[str]  # the explanation lines that differ: "－" baseline only, "＋" draft only
    baseline_explanation: list[str]
    draft_explanation: list[str]


@dataclass
class _Replay:
    # (hold key, part) -> mL the draft drew for an earlier case of this run
    draft_ml: dict[tuple[str, int], int] = dataclasses.field(default_factory=dict)
    # invoice key -> what the draft covered minus what the baseline covered, for earlier cases
    invoice_delta: dict[str, tuple[int, int, int]] = dataclasses.field(default_factory=dict)


def _draws(prior: Sequence[RecordedDraw], replay: _Replay | None) -> list[PoolDraw]:
    draws = []
    for d in prior:
        ml = replay.draft_ml.get((d.hold_key, d.part), d.ml) if replay else d.ml
        draws.append(PoolDraw(d.pool, ml, "consumed" if d.state == "consumed" else "held"))
    return draws


def _parts(case: Case, replay: _Replay | None) -> list[DonorPart]:
    return [DonorPart(label=d.label, relationship=d.relationship, donations=d.donations,
                      prior=_draws(d.prior, replay)) for d in case.donors]


def _run(rule_set: RuleSet, case: Case, replay: _Replay | None) -> tuple[BillQuote | None, list[str]]:
    request = case.request
    if replay is not None and case.invoice_key in replay.invoice_delta:
        ml, fen, aid = replay.invoice_delta[case.invoice_key]
        request = dataclasses.replace(
            request, covered_before_ml=max(0, request.covered_before_ml + ml),
            reduced_before_fen=max(0, request.reduced_before_fen + fen),
            mutual_aid_refunded_before_fen=max(0, request.mutual_aid_refunded_before_fen + aid))
    try:
        result = quote_bill(rule_set, _parts(case, replay), request)
    except RuleError as exc:
        return None, [f"规则集 {rule_set.id}：不予减免：{exc.detail}"]
    return result, result.explanation


def _why(baseline: list[str], draft: list[str]) -> list[str]:
    in_draft, in_baseline = set(draft), set(baseline)
    return [f"－ {line}" for line in baseline if line not in in_draft] + [
        f"＋ {line}" for line in draft if line not in in_baseline]


def simulate(draft: RuleSet, cases: Sequence[Case]) -> list[CaseResult]:
    """Every case under its baseline version and under ``draft``; ``cases`` in the order they
    happened (the order their holds were placed)."""
    replay = _Replay()
    results = []
    for case in cases:
        base, base_lines = _run(case.baseline, case, None)
        new, new_lines = _run(draft, case, replay)
        if case.hold_key is not None and new is not None:
            for i, part in enumerate(new.parts):
                replay.draft_ml[(case.hold_key, i)] = part.covered_ml
        if case.invoice_key is not None:
            ml, fen, aid = replay.invoice_delta.get(case.invoice_key, (0, 0, 0))
            replay.invoice_delta[case.invoice_key] = (
                ml + _get(new, "covered_ml") - _get(base, "covered_ml"),
                fen + _get(new, "supply_cost_fen") - _get(base, "supply_cost_fen"),
                aid + _get(new, "mutual_aid_fen") - _get(base, "mutual_aid_fen"))
        base_fen, new_fen = _get(base, "reducible_fen"), _get(new, "reducible_fen")
        results.append(CaseResult(
            reference=case.reference, kind=case.kind, status=case.status, used_on=case.request.used_on.isoformat(),
            baseline_rule_set=case.baseline.id, recorded_fen=case.recorded_fen, baseline_fen=base_fen,
            draft_fen=new_fen, difference_fen=new_fen - base_fen,
            why=_why(base_lines, new_lines) if new_fen != base_fen else [],
            baseline_explanation=base_lines, draft_explanation=new_lines))
    return results


def _get(result: BillQuote | None, name: str) -> int:
    return 0 if result is None else int(getattr(result, name))
