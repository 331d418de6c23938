"""Routing at submit: a claim for a donor whose donation province a partner platform serves is
validated here and forwarded to that partner (through the outbox), instead of being quoted and
reviewed here. Any channel; not a claim a partner forwarded to us."""

from __future__ import annotations

import uuid

from kit import clock
from kit.identity import Caller
from services.claims.audit import service as audit
from services.claims.intake import access, donors, repository
from services.claims.intake.models import Claim
from services.claims.intake.submit import SubmitDeps, validate
from services.claims.invoices import registry
from services.claims.outbox.enqueue import enqueue, notify


async def forward_if_partner(claim_id: uuid.UUID, caller: Caller, deps: SubmitDeps) -> Claim | None:
    """The forwarded claim, or None when we decide it ourselves."""
    if deps.interop is None:
        return None
    async with deps.sessionmaker() as session:
        claim = access.visible_claim(await repository.get(session, claim_id), caller)
        if claim.status != "draft" or claim.channel == "interop":
            return None
        province = claim.province
    partner = await deps.interop.partner_for(province)  # no transaction open while we ask
    if partner is None:
        return None
    async with deps.sessionmaker() as session, session.begin():
        claim = await repository.get(session, claim_id, for_update=True)
        assert claim is not None
        access.require_applicant_side(claim, caller)
        if claim.status != "draft":
            return claim
        await registry.lock(session, claim.invoice_code, claim.invoice_number)
        await validate(session, claim, deps)
        # The partner decides the amount; until it tells us, the bill is registered with no share
        # taken, so a second claim by the same donor is refused and another donor's still quotes.
        await registry.register(session, kind="claim", case_id=claim.id, reference=claim.reference,
                                code=claim.invoice_code, number=claim.invoice_number,
                                donors=donors.registry_keys(claim, deps.cipher, deps.persons), amounts={})
        claim.status, claim.submitted_on, claim.forwarded_to = "forwarded", clock.today(), partner
        audit.record(session, claim, caller, "forwarded", from_status="draft", to_status="forwarded",
                     reason=f"献血地省份 {province} 由合作平台 {partner} 审核 (decided by partner {partner})")
        enqueue(session, claim, "interop_forward", f"forward:{claim.id}",
                {"claim_id": str(claim.id), "partner": partner}, lane="partner")
        notify(session, claim, "forwarded")
    return claim
