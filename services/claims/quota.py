"""How much of a hold is consumed when less than the quoted amount is paid out."""

from __future__ import annotations


def consumed_ml(covered_ml: int, amount_fen: int, maximum_fen: int) -> int:
    """A lowered approval or a smaller reduction at discharge consumes proportionally less quota,
    rounded up; the rest returns to the pool when the hold is committed."""
    if maximum_fen <= 0 or amount_fen >= maximum_fen:
        return covered_ml
    return -(-covered_ml * amount_fen // maximum_fen)
