"""From an API request to the pure engine and back: who are the donors, which rule set, what
was drawn before."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import BlindIndex, mask_cert_number
from kit.problems import NotFound, Unprocessable
from services.entitlement import rules
from services.entitlement.holds import repository as holds_repository
from services.entitlement.quotes import repository
from services.entitlement.quotes.schemas import (
    ClaimDeadlineOut,
    DonorPartOut,
    QuoteIn,
    QuoteOut,
    RuleSetVersionOut,
)
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import CERT_CONTEXT, Donor
from services.entitlement.registry.models import Donation as DonationRow

NO_DONOR = "献血者不在献血记录中 (no donor with this certificate in the registry)"


@dataclass(frozen=True)
class NamedDonor:
    """A donor as the request names them, with the request field to blame for them."""

    cert_type: str
    cert_index: str  # the registry's blind index of the number
    label: str  # the number masked, for explanations
    relationship: str
    field_prefix: str = ""  # "" for `donor`, "additional_donors[i]." after it


@dataclass(frozen=True)
class DonorInputs:
    """What one quote reads about one donor: None for a further donor with no record (draws nothing)."""

    donor_id: uuid.UUID | None
    donations: list[rules.Donation]
    draws: list[rules.PoolDraw]


@dataclass
class QuoteContext:
    donor_ids: list[uuid.UUID | None]
    rule_set: rules.RuleSet
    bill: rules.BillQuote
    donors: list[NamedDonor]

    @property
    def donor_id(self) -> uuid.UUID:
        first = self.donor_ids[0]
        assert first is not None  # the first donor is always on record (no_donor otherwise)
        return first


def to_engine(row: DonationRow) -> rules.Donation:
    return rules.Donation(
        donation_no=row.donation_no, station_code=row.station_code, donated_on=row.donated_on,
        kind=row.kind,  # type: ignore[arg-type]
        volume_ml=row.volume_ml, units=row.units, qualified=row.qualified, military=row.military,
    )


def rule_set_for(rule_sets: dict[str, rules.RuleSet], province: str, used_on: date) -> rules.RuleSet:
    try:
        return rules.select_rule_set(rule_sets, province, used_on)
    except rules.RuleError as exc:
        raise Unprocessable(exc.detail, field=exc.field) from exc


def engine_request(body: QuoteIn) -> rules.QuoteRequest:
    return rules.QuoteRequest(
        relationship=body.relationship, used_on=body.used_on, usage_province=body.usage_province,
        items=[rules.QuoteItem(product=i.product, quantity=i.quantity) for i in body.items],
        blood_fee_fen=body.blood_fee_fen, mutual_aid_fen=body.mutual_aid_fen,
        covered_before_ml=body.covered_before_ml, reduced_before_fen=body.reduced_before_fen,
        mutual_aid_refunded_before_fen=body.mutual_aid_refunded_before_fen,
    )


def named_donors(body: QuoteIn, index: BlindIndex) -> list[NamedDonor]:
    """The donors in drawing order, checked against the beneficiary and each other."""
    given = [(body.donor.cert_type, body.donor.cert_number, body.relationship, "")]
    given += [(d.donor.cert_type, d.donor.cert_number, d.relationship, f"additional_donors[{i}].")
              for i, d in enumerate(body.additional_donors)]
    patient = (body.beneficiary.cert_type, body.beneficiary.cert_number)
    seen: set[tuple[str, str]] = set()
    for cert_type, number, relationship, prefix in given:
        who = (cert_type, number)
        if who in seen:
            raise Unprocessable("同一献血者不能重复列出 (a donor is named twice)", field=f"{prefix}donor.cert_number")
        seen.add(who)
        if relationship == "self" and who != patient:
            field = f"{prefix}relationship" if prefix else "beneficiary.cert_number"
            raise Unprocessable("relationship is self, so the beneficiary must be the donor", field=field)
        if relationship != "self" and who == patient:
            raise Unprocessable("the donor cannot be their own relative; use relationship self",
                                field=f"{prefix}relationship")
    return [NamedDonor(cert_type, index.digest(number, context=CERT_CONTEXT), mask_cert_number(number),
                       relationship, prefix) for cert_type, number, relationship, prefix in given]


def no_donor(field: str = "donor.cert_number") -> NotFound:
    """One answer whether the person is unknown or has no records the caller may see (DOMAIN.md 11)."""
    return NotFound(NO_DONOR, field=field)


async def quote(
    session: AsyncSession, body: QuoteIn, *, rule_sets: dict[str, rules.RuleSet], index: BlindIndex,
    lock: bool = False,
) -> QuoteContext:
    """`lock=True` takes the donors' row locks first, so a hold can follow without a race."""
    named = named_donors(body, index)
    rule_set = rule_set_for(rule_sets, body.province, body.used_on)
    return await quote_bill(session, named, rule_set, engine_request(body), lock=lock)


async def quote_for_donor(
    session: AsyncSession, donor: Donor, rule_set: rules.RuleSet, request: rules.QuoteRequest, *, lock: bool = False,
) -> QuoteContext:
    """A donor already found (the signed-in donor's own record)."""
    return await quote_for_cert(session, donor.cert_type, donor.cert_number_index, rule_set, request, lock=lock,
                                label=donor.cert_number_masked)


async def quote_for_cert(
    session: AsyncSession, cert_type: str, cert_index: str, rule_set: rules.RuleSet, request: rules.QuoteRequest, *,
    lock: bool = False, label: str = "",
) -> QuoteContext:
    """One donor: a bill with nobody else on it."""
    named = [NamedDonor(cert_type, cert_index, label, request.relationship)]
    return await quote_bill(session, named, rule_set, request, lock=lock)


async def quote_bill(
    session: AsyncSession, named: list[NamedDonor], rule_set: rules.RuleSet, request: rules.QuoteRequest, *,
    lock: bool = False,
) -> QuoteContext:
    """Several donors on one bill (DOMAIN 6.1), drawn in the order named.

    The first donor must be on record in the rule set's province. A further donor who is not, or
    has no donations there, draws nothing (an empty part): the answer is the same whether or not
    that person is a donor at all, so naming someone on a bill tells nothing about them."""
    found = await (_locked_inputs if lock else _inputs)(session, named, rule_set.province)
    first = found[0]
    if first.donor_id is None:
        raise no_donor()
    if not first.donations:
        raise Unprocessable(f"献血者在省份 {rule_set.province} 没有献血记录 (no donations in this province)",
                            field="province")
    parts = [rules.DonorPart(label=d.label, relationship=d.relationship, donations=f.donations, prior=f.draws,
                             field_prefix=d.field_prefix) for d, f in zip(named, found, strict=True)]
    try:
        bill = rules.quote_bill(rule_set, parts, request)
    except rules.RuleError as exc:
        raise Unprocessable(exc.detail, field=exc.field) from exc
    return QuoteContext(donor_ids=[f.donor_id for f in found], rule_set=rule_set, bill=bill, donors=named)


async def _inputs(session: AsyncSession, named: list[NamedDonor], province: str) -> list[DonorInputs]:
    """A plain quote: each donor, their donations and draws in one statement (quotes/repository.py)."""
    now, found = clock.now(), []
    for donor in named:
        row = await repository.quote_inputs(session, donor.cert_type, donor.cert_index, province, now)
        found.append(DonorInputs(*row) if row is not None else DonorInputs(None, [], []))
    return found


async def _locked_inputs(session: AsyncSession, named: list[NamedDonor], province: str) -> list[DonorInputs]:
    """Step by step, every donor's row locked first (in id order, so two holds naming the same
    donors in another order cannot deadlock), so a hold can follow without a race."""
    rows = [await registry.donor_by_cert(session, d.cert_type, d.cert_index) for d in named]
    now = clock.now()
    for donor_id in sorted({r.id for r in rows if r is not None}):
        await registry.lock_donor(session, donor_id)
        await holds_repository.expire_due(session, donor_id, now)
    found = []
    for row in rows:
        if row is None:
            found.append(DonorInputs(None, [], []))
            continue
        donations = [to_engine(d) for d in await registry.donations_of(session, row.id, province)]
        found.append(DonorInputs(row.id, donations, await holds_repository.draws(session, row.id, province, now)))
    return found


def version_out(rule_set: rules.RuleSet) -> RuleSetVersionOut:
    return RuleSetVersionOut(id=rule_set.id, name=rule_set.name, effective_from=rule_set.effective_from,
                             effective_to=rule_set.effective_to, legal_reference=rule_set.legal_reference,
                             confidence=rule_set.confidence)


def deadline_out(rule_set: rules.RuleSet) -> ClaimDeadlineOut:
    d = rule_set.claim_deadline
    return ClaimDeadlineOut(years=d.years, anchor=d.anchor, source=d.source, confidence=d.confidence,
                            placeholder=d.placeholder, text=d.text())


def quote_out(context: QuoteContext, body: QuoteIn | None = None) -> QuoteOut:
    bill, rule_set = context.bill, context.rule_set
    first = bill.parts[0]
    deadline = None
    explanation = list(bill.explanation)
    if body is not None and body.paid_on is not None:
        deadline = rule_set.claim_deadline_for(body.paid_on, body.used_on, body.invoice_issued_on)
        explanation.insert(len(explanation) - 1, _deadline_line(rule_set, deadline))
    return QuoteOut(
        reducible_fen=bill.reducible_fen, supply_cost_fen=bill.supply_cost_fen, mutual_aid_fen=bill.mutual_aid_fen,
        covered_ml=bill.covered_ml, used_ml=bill.used_ml, pool=first.pool, unlimited=first.unlimited,
        remaining_ml_before=first.remaining_ml_before, remaining_ml_after=first.remaining_ml_after,
        rule_set=bill.rule_set_id, rule_set_version=version_out(rule_set), eligible_fee_fen=bill.eligible_fee_fen,
        local_ml=sum(p.local_ml for p in bill.parts), military_ml=sum(p.military_ml for p in bill.parts),
        covered_before_ml=first.covered_before_ml, rest_ml_after=bill.rest_ml_after,
        donors=[DonorPartOut(
            donor_cert_masked=d.label, relationship=p.relationship, pool=p.pool,
            unlimited=p.unlimited, covered_ml=p.covered_ml, supply_cost_fen=p.supply_cost_fen,
            mutual_aid_fen=p.mutual_aid_fen, reducible_fen=p.reducible_fen, remaining_ml_before=p.remaining_ml_before,
            remaining_ml_after=p.remaining_ml_after, local_ml=p.local_ml, military_ml=p.military_ml)
            for d, p in zip(context.donors, bill.parts, strict=True)],
        claim_deadline_on=deadline, claim_deadline=deadline_out(rule_set), explanation=explanation,
    )


def _deadline_line(rule_set: rules.RuleSet, last_day: date) -> str:
    d = rule_set.claim_deadline
    mark = "；该时限为占位值，待核实，审核人员据实判断" if d.placeholder else ""
    return (f"报销时限：{d.text()}，至 {last_day}（含）；最后一日为法定节假日的，顺延至其后第一个工作日"
            f"（民法典第二百零三条）。依据：{d.source}{mark}")
