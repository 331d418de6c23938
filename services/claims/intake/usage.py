"""Blood-use data of a claim kept encrypted (DOMAIN.md 11: health data under PIPL): the hospital
and the products used, and the entitlement quote (which names the donations counted).

Amounts (fen) and dates stay plain: statements, reports and deadlines compute with them, and
without the person (whose ID is encrypted) or the products they say little. `hospital_name`,
`items` and `quote` are the legacy plaintext columns, emptied by the start-up backfill.
"""

from __future__ import annotations

from typing import Any

from kit.crypto import FieldCipher
from services.claims.intake.models import Claim

USAGE = "claims.claims.usage"
QUOTE = "claims.claims.quote"


def seal_usage(claim: Claim, hospital_name: str, items: list[dict[str, Any]], cipher: FieldCipher) -> None:
    claim.usage_encrypted = cipher.encrypt_json({"hospital_name": hospital_name, "items": items}, context=USAGE)


def usage_of(claim: Claim, cipher: FieldCipher) -> dict[str, Any]:
    """{"hospital_name": ..., "items": [...]}"""
    if claim.usage_encrypted is not None:
        return dict(cipher.decrypt_json(claim.usage_encrypted, context=USAGE))
    return {"hospital_name": claim.hospital_name or "", "items": list(claim.items or [])}


def set_quote(claim: Claim, quote: dict[str, Any], cipher: FieldCipher) -> None:
    claim.quote_encrypted = cipher.encrypt_json(quote, context=QUOTE)


def quote_of(claim: Claim, cipher: FieldCipher) -> dict[str, Any]:
    if claim.quote_encrypted is not None:
        return dict(cipher.decrypt_json(claim.quote_encrypted, context=QUOTE))
    return dict(claim.quote or {})


def seal_legacy(claim: Claim, cipher: FieldCipher) -> None:
    """Start-up backfill (kit.backfill) of a claim written before blood-use data was encrypted."""
    seal_usage(claim, claim.hospital_name or "", list(claim.items or []), cipher)
    if claim.quote is not None:
        set_quote(claim, claim.quote, cipher)
    claim.hospital_name, claim.items, claim.quote = None, None, None
