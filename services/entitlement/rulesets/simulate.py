"""What-if over real cases: a draft rule-set version against the versions in force.

The claims service sends the period's claims and notices; this gathers each donor's donations and
the draws recorded before each case, and the pure replay (rules.whatif) does the rest. It runs in
a READ ONLY transaction: a simulation cannot store or change anything, not even an expired hold.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import BlindIndex, mask_cert_number
from kit.problems import Unprocessable
from services.entitlement import rules
from services.entitlement.holds import repository as holds
from services.entitlement.quotes.service import to_engine
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import CERT_CONTEXT
from services.entitlement.rulesets.schemas import CaseDifferenceOut, SimCase, SimulateIn, SimulationOut

NOTE = ("每件按其发生顺序重放：基线为用血日适用的现行版本；草案下，同一额度池或同一发票上先前案件按草案应得的数额计，"
        "后续案件随之变化。模拟不保存、不改变任何数据。 (Each case is replayed in order: the baseline by the "
        "version in force on its use date; under the draft, earlier cases on the same pool or invoice count as the "
        "draft would have decided them. Nothing is stored or changed.)")


def parse_draft(raw: dict[str, object]) -> rules.RuleSet:
    try:
        return rules.parse_rule_set(raw, "draft")
    except rules.RuleSetFileError as exc:
        field = f"draft.{exc.field_path}" if exc.field_path else "draft"
        raise Unprocessable(f"规则集草案无效：{exc.reason} (invalid draft rule set)", field=field) from exc


class _Donors:
    """Donor rows, donations and recorded draws, each looked up once per simulation."""

    def __init__(self, session: AsyncSession, index: BlindIndex, province: str) -> None:
        self.session, self.index, self.province, self.now = session, index, province, clock.now()
        self._ids: dict[tuple[str, str], uuid.UUID | None] = {}
        self._donations: dict[uuid.UUID, list[rules.Donation]] = {}
        self._draws: dict[uuid.UUID, list[tuple[datetime, rules.RecordedDraw]]] = {}

    async def lookup(self, cert_type: str, cert_number: str) -> uuid.UUID | None:
        key = (cert_type, cert_number)
        if key not in self._ids:
            cert_index = self.index.digest(cert_number, context=CERT_CONTEXT)
            row = await registry.donor_by_cert(self.session, cert_type, cert_index)
            self._ids[key] = row.id if row else None
            if row is not None:
                self._donations[row.id] = [to_engine(d) for d in await registry.donations_of(
                    self.session, row.id, self.province)]
                self._draws[row.id] = await holds.recorded_draws(self.session, row.id, self.province, self.now)
        return self._ids[key]

    def donations(self, donor_id: uuid.UUID) -> list[rules.Donation]:
        return self._donations[donor_id]

    def draws_before(self, donor_id: uuid.UUID, at: datetime, own_key: str | None) -> list[rules.RecordedDraw]:
        return [d for placed, d in self._draws[donor_id] if placed < at and d.hold_key != own_key]


async def simulate(session: AsyncSession, body: SimulateIn, *, rule_sets: dict[str, rules.RuleSet],
                   index: BlindIndex) -> SimulationOut:
    draft = parse_draft(body.draft)
    if body.used_to < body.used_from:
        raise Unprocessable("期间结束日不能早于开始日 (used_to is before used_from)", field="used_to")
    await session.execute(text("SET TRANSACTION READ ONLY"))
    in_period = [c for c in body.cases if body.used_from <= c.used_on <= body.used_to]
    placed = await holds.placed_at(session, [c.hold_key for c in in_period if c.hold_key])
    ordered = sorted(in_period, key=lambda c: (placed.get(c.hold_key or "", c.at), c.reference))
    donors = _Donors(session, index, draft.province)
    cases = [case for c in ordered if (case := await _case(c, placed.get(c.hold_key or "", c.at), draft, rule_sets,
                                                           donors)) is not None]
    results = [r for r in rules.simulate(draft, cases) if r.difference_fen != 0]
    results.sort(key=lambda r: (-abs(r.difference_fen), r.reference))
    return SimulationOut(
        draft_id=draft.id, province=draft.province, used_from=body.used_from, used_to=body.used_to,
        cases=len(cases), changed=len(results), increased=sum(r.difference_fen > 0 for r in results),
        decreased=sum(r.difference_fen < 0 for r in results), difference_fen=sum(r.difference_fen for r in results),
        differences=[CaseDifferenceOut(
            reference=r.reference, kind=r.kind, status=r.status, used_on=r.used_on,
            baseline_rule_set=r.baseline_rule_set,
            recorded_fen=r.recorded_fen, baseline_fen=r.baseline_fen, draft_fen=r.draft_fen,
            difference_fen=r.difference_fen, why=r.why, draft_explanation=r.draft_explanation) for r in results],
        note=NOTE,
    )


async def _case(c: SimCase, at: datetime, draft: rules.RuleSet, rule_sets: dict[str, rules.RuleSet],
                donors: _Donors) -> rules.Case | None:
    """The engine's view of one recorded case; None when it cannot be replayed at all (no
    version in force then, or a donor no longer in the registry)."""
    try:
        baseline = rules.select_rule_set(rule_sets, draft.province, c.used_on)
    except rules.RuleError:
        return None
    case_donors = []
    for d in c.donors:
        donor_id = await donors.lookup(d.cert_type, d.cert_number)
        if donor_id is None:
            return None
        case_donors.append(rules.CaseDonor(label=mask_cert_number(d.cert_number), relationship=d.relationship,
                                           donations=donors.donations(donor_id),
                                           prior=donors.draws_before(donor_id, at, c.hold_key)))
    request = rules.QuoteRequest(
        relationship=c.donors[0].relationship, used_on=c.used_on, usage_province=c.usage_province,
        items=[rules.QuoteItem(i.product, i.quantity) for i in c.items], blood_fee_fen=c.blood_fee_fen,
        mutual_aid_fen=c.mutual_aid_fen, covered_before_ml=c.covered_before_ml, reduced_before_fen=c.reduced_before_fen,
        mutual_aid_refunded_before_fen=c.mutual_aid_refunded_before_fen)
    return rules.Case(reference=c.reference, kind=c.kind, status=c.status, hold_key=c.hold_key, baseline=baseline,
                      donors=case_donors, request=request, invoice_key=c.invoice_key, recorded_fen=c.recorded_fen)
