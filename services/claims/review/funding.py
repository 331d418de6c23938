"""Who pays a reduction: the local fund (还血基金) and the military fund split by donated volume
(Beijing plan 四, DOMAIN 8.4), donor by donor when several donors share one bill (DOMAIN 6.1)."""

from __future__ import annotations

from typing import Any


def funding_lines(amount_fen: int, local_ml: int, military_ml: int) -> list[dict[str, Any]]:
    """Split by donated volume between the local fund (还血基金) and the military fund (DOMAIN 8.4).
    Integer fen: the military share is rounded down, the local fund takes the remainder."""
    if military_ml <= 0 or local_ml + military_ml == 0:
        return [{"source": "local_fund", "amount_fen": amount_fen}]
    military = amount_fen * military_ml // (local_ml + military_ml)
    lines = [{"source": "local_fund", "amount_fen": amount_fen - military}] if amount_fen - military else []
    return [*lines, {"source": "military_fund", "amount_fen": military}]


def funding_for_quote(amount_fen: int, quote: dict[str, Any]) -> list[dict[str, Any]]:
    """``amount_fen`` (at most the quote's) paid donor by donor in drawing order, each donor's share
    split by that donor's own local and military volumes; lines summed per source."""
    parts = quote.get("donors") or []
    if len(parts) <= 1:
        return funding_lines(amount_fen, int(quote.get("local_ml", 0)), int(quote.get("military_ml", 0)))
    totals: dict[str, int] = {}
    left = amount_fen
    for i, part in enumerate(parts):
        share = left if i == len(parts) - 1 else min(left, int(part.get("reducible_fen", 0)))
        left -= share
        for line in funding_lines(share, int(part.get("local_ml", 0)), int(part.get("military_ml", 0))):
            totals[line["source"]] = totals.get(line["source"], 0) + line["amount_fen"]
    return [{"source": s, "amount_fen": a} for s, a in sorted(totals.items()) if a]
