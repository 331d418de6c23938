"""A reduction notice's blood-use data kept encrypted (health data under PIPL): the products on
the bill, at issue and at settlement, and the quote. The plain columns are legacy, emptied by
the start-up backfill (see services/claims/intake/usage.py)."""

from __future__ import annotations

from typing import Any

from kit.crypto import FieldCipher
from services.claims.reductions.models import ReductionNotice

ITEMS = "claims.reduction_notices.items"
FINAL_ITEMS = "claims.reduction_notices.final_items"
QUOTE = "claims.reduction_notices.quote"


def seal(cipher: FieldCipher, value: Any, context: str) -> str:
    return cipher.encrypt_json(value, context=context)


def items_of(notice: ReductionNotice, cipher: FieldCipher) -> list[dict[str, Any]]:
    if notice.items_encrypted is not None:
        return list(cipher.decrypt_json(notice.items_encrypted, context=ITEMS))
    return list(notice.items or [])


def final_items_of(notice: ReductionNotice, cipher: FieldCipher) -> list[dict[str, Any]] | None:
    """The products on the bill at settlement; None before it."""
    if notice.final_items_encrypted is not None:
        return list(cipher.decrypt_json(notice.final_items_encrypted, context=FINAL_ITEMS))
    return notice.final_items


def quote_of(notice: ReductionNotice, cipher: FieldCipher) -> dict[str, Any]:
    if notice.quote_encrypted is not None:
        return dict(cipher.decrypt_json(notice.quote_encrypted, context=QUOTE))
    return dict(notice.quote or {})


def seal_legacy(notice: ReductionNotice, cipher: FieldCipher) -> None:
    """Start-up backfill (kit.backfill) of a notice written before blood-use data was encrypted."""
    notice.items_encrypted = seal(cipher, list(notice.items or []), ITEMS)
    notice.quote_encrypted = seal(cipher, dict(notice.quote or {}), QUOTE)
    if notice.final_items is not None:
        notice.final_items_encrypted = seal(cipher, notice.final_items, FINAL_ITEMS)
    notice.items, notice.quote, notice.final_items = None, None, None
