"""A claim's quota hold: what is asked of entitlement, and under which key."""

from __future__ import annotations

from typing import Any

from kit.crypto import FieldCipher
from services.claims.intake import donors, usage
from services.claims.intake.models import CERT, Claim
from services.claims.invoices import registry


def hold_key(claim: Claim) -> str:
    """The claim id; every later hold of the claim (after a refused submit, an abandoned one, or a
    new quote by a senior reviewer) gets a suffix, since entitlement replays a used key as it was."""
    return f"claim:{claim.id}" if claim.submit_attempts == 0 else f"claim:{claim.id}:{claim.submit_attempts}"


def hold_request(claim: Claim, cipher: FieldCipher, before: registry.Coverage) -> dict[str, Any]:
    """``before``: what other cases took of the bill, so the quote asks for the rest only. Several
    donors give one hold with a part per donor, which commits or releases as a whole."""
    # No expiry: the hold lives as long as the claim is open, however long review or 补充材料 take;
    # the claim itself releases it (rejected, withdrawn) or consumes it (approved).
    used = usage.usage_of(claim, cipher)
    return {
        "purpose": "claim", "reference": f"claim:{claim.id}", "ttl_hours": None,
        "quote": {
            "province": claim.province,
            "donor": {"cert_type": claim.donor_cert_type,
                      "cert_number": cipher.decrypt(claim.donor_cert_encrypted, context=CERT)},
            "beneficiary": {"cert_type": claim.beneficiary_cert_type,
                            "cert_number": cipher.decrypt(claim.beneficiary_cert_encrypted, context=CERT)},
            "relationship": claim.relationship, "additional_donors": donors.for_quote(claim, cipher),
            "used_on": claim.used_on.isoformat(), "usage_province": claim.usage_province, "items": used["items"],
            "blood_fee_fen": claim.blood_fee_fen, "mutual_aid_fen": claim.mutual_aid_fen,
            "paid_on": claim.paid_on.isoformat(), "invoice_issued_on": claim.invoice_issued_on.isoformat(),
            **before.before(),
        },
    }
