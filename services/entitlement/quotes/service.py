"""From an API request to the pure engine and back: who is the donor, which rule set, what
was drawn before."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import BlindIndex
from kit.problems import NotFound, Unprocessable
from services.entitlement import rules
from services.entitlement.holds import repository as holds_repository
from services.entitlement.quotes import repository
from services.entitlement.quotes.schemas import QuoteIn, QuoteOut
from services.entitlement.registry import repository as registry
from services.entitlement.registry.models import CERT_CONTEXT, Donor
from services.entitlement.registry.models import Donation as DonationRow

NO_DONOR = "献血者不在献血记录中 (no donor with this certificate in the registry)"


@dataclass
class QuoteContext:
    donor_id: uuid.UUID
    rule_set: rules.RuleSet
    quote: rules.Quote


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
    )


async def quote(
    session: AsyncSession, body: QuoteIn, *, rule_sets: dict[str, rules.RuleSet], index: BlindIndex,
    lock: bool = False,
) -> QuoteContext:
    """`lock=True` takes the donor's row lock first, so a hold can follow without a race."""
    same_person = (body.donor.cert_type, body.donor.cert_number) == (
        body.beneficiary.cert_type, body.beneficiary.cert_number)
    if body.relationship == "self" and not same_person:
        raise Unprocessable("relationship is self, so the beneficiary must be the donor", field="beneficiary.cert_number")
    if body.relationship != "self" and same_person:
        raise Unprocessable("the donor cannot be their own relative; use relationship self", field="relationship")
    rule_set = rule_set_for(rule_sets, body.province, body.used_on)
    cert_index = index.digest(body.donor.cert_number, context=CERT_CONTEXT)
    return await quote_for_cert(session, body.donor.cert_type, cert_index, rule_set, engine_request(body), lock=lock)


def no_donor(field: str = "donor.cert_number") -> NotFound:
    """One answer whether the person is unknown or has no records the caller may see (DOMAIN.md 11)."""
    return NotFound(NO_DONOR, field=field)


async def quote_for_donor(
    session: AsyncSession, donor: Donor, rule_set: rules.RuleSet, request: rules.QuoteRequest, *, lock: bool = False,
) -> QuoteContext:
    """A donor already found (the signed-in donor's own record)."""
    return await quote_for_cert(session, donor.cert_type, donor.cert_number_index, rule_set, request, lock=lock)


async def quote_for_cert(
    session: AsyncSession, cert_type: str, cert_index: str, rule_set: rules.RuleSet, request: rules.QuoteRequest, *,
    lock: bool = False,
) -> QuoteContext:
    if lock:
        donor_id, donations, draws = await _locked_inputs(session, cert_type, cert_index, rule_set.province)
    else:
        found = await repository.quote_inputs(session, cert_type, cert_index, rule_set.province, clock.now())
        if found is None:
            raise no_donor()
        donor_id, donations, draws = found
        _require(donations, rule_set.province)
    try:
        result = rules.quote(rule_set, donations, draws, request)
    except rules.RuleError as exc:
        raise Unprocessable(exc.detail, field=exc.field) from exc
    return QuoteContext(donor_id=donor_id, rule_set=rule_set, quote=result)


async def _locked_inputs(session: AsyncSession, cert_type: str, cert_index: str, province: str,
                         ) -> tuple[uuid.UUID, list[rules.Donation], list[rules.PoolDraw]]:
    """Step by step, the donor's row locked first, so a hold can follow without a race."""
    donor = await registry.donor_by_cert(session, cert_type, cert_index)
    if donor is None:
        raise no_donor()
    await registry.lock_donor(session, donor.id)
    await holds_repository.expire_due(session, donor.id, clock.now())
    donations = [to_engine(d) for d in await registry.donations_of(session, donor.id, province)]
    _require(donations, province)
    return donor.id, donations, await holds_repository.draws(session, donor.id, province, clock.now())


def _require(donations: list[rules.Donation], province: str) -> None:
    if not donations:
        raise Unprocessable(f"献血者在省份 {province} 没有献血记录 (no donations in this province)", field="province")


def quote_out(result: rules.Quote, rule_set: rules.RuleSet | None = None, body: QuoteIn | None = None) -> QuoteOut:
    deadline = None
    if rule_set is not None and body is not None and body.paid_on is not None:
        deadline = rule_set.claim_deadline_for(body.paid_on, body.used_on)
    return QuoteOut(
        claim_deadline_on=deadline,
        reducible_fen=result.reducible_fen, covered_ml=result.covered_ml, used_ml=result.used_ml,
        pool=result.pool, unlimited=result.unlimited, remaining_ml_before=result.remaining_ml_before,
        remaining_ml_after=result.remaining_ml_after, rule_set=result.rule_set_id,
        eligible_fee_fen=result.eligible_fee_fen, local_ml=result.local_ml, military_ml=result.military_ml,
        explanation=list(result.explanation),
    )
