"""A claim's quota hold: what is asked of entitlement, and under which key."""

from __future__ import annotations

from typing import Any

from kit.crypto import FieldCipher
from services.claims.intake import usage
from services.claims.intake.models import CERT, Claim


def hold_key(claim: Claim) -> str:
    """The claim id; every later hold of the claim (after a refused submit, an abandoned one, or a
    new quote by a senior reviewer) gets a suffix, since entitlement replays a used key as it was."""
    return f"claim:{claim.id}" if claim.submit_attempts == 0 else f"claim:{claim.id}:{claim.submit_attempts}"


def hold_request(claim: Claim, cipher: FieldCipher) -> dict[str, Any]:
    # No expiry: the hold lives as long as the claim is open, however long review or 补充材料 take;
    # the claim itself releases it (rejected, withdrawn) or consumes it (approved).
    return {
        "purpose": "claim", "reference": f"claim:{claim.id}", "ttl_hours": None,
        "quote": {
            "province": claim.province,
            "donor": {"cert_type": claim.donor_cert_type,
                      "cert_number": cipher.decrypt(claim.donor_cert_encrypted, context=CERT)},
            "beneficiary": {"cert_type": claim.beneficiary_cert_type,
                            "cert_number": cipher.decrypt(claim.beneficiary_cert_encrypted, context=CERT)},
            "relationship": claim.relationship, "used_on": claim.used_on.isoformat(),
            "usage_province": claim.usage_province, "items": usage.usage_of(claim, cipher)["items"],
            "blood_fee_fen": claim.blood_fee_fen, "paid_on": claim.paid_on.isoformat(),
        },
    }
