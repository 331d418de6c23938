"""The conformance kit a partner runs against its implementation passes against our own
/interop/v1 (through the gateway, as a partner reaches it)."""

from __future__ import annotations

from services.interop.conformance.checks import CHECKS, run
from tests.claims.helpers import DONOR, seed_donor
from tests.interop.conftest import PartnerSetup
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago
from tests.support.people import resident_id


async def test_the_conformance_kit_passes_against_our_own_partner_api(stack: AppStack, partner: PartnerSetup) -> None:
    await seed_donor(stack.gateway, partner.admin)
    case = {"donor_cert": DONOR, "donor_name": "张三", "stranger_cert": resident_id("19900101", seq=13),
            "sender": "33", "used_on": iso_days_ago(30)}
    results = await run(partner.signer, stack.gateway, case)
    assert [(r.name, r.passed, r.detail) for r in results] == [(name, True, "") for name, _ in CHECKS]
    assert len(results) == 10


async def test_the_kit_fails_a_target_whose_replies_are_not_signed_by_the_key_given(stack: AppStack,
                                                                                 partner: PartnerSetup) -> None:
    from services.interop.signatures import httpsig

    wrong = partner.signer.__class__(**{**partner.signer.__dict__, "target_public_pem": httpsig.generate_keypair()[1]})
    await seed_donor(stack.gateway, partner.admin)
    case = {"donor_cert": DONOR, "donor_name": "张三", "stranger_cert": resident_id("19900101", seq=13),
            "sender": "33", "used_on": iso_days_ago(30)}
    results = {r.name: r for r in await run(wrong, stack.gateway, case)}
    signed = results["a signed message gets a signed reply naming its digest and message id"]
    assert not signed.passed and "does not verify" in signed.detail
