"""Calendar and money arithmetic shared by the engine; integers and Fractions only, no floats."""

from __future__ import annotations

from fractions import Fraction

# Periods follow the Civil Code (kit/periods.py): the anniversary is the last day inside.
from kit.periods import add_years, first_day_after_years, last_day_of_years, within_years

__all__ = ["add_years", "first_day_after_years", "fraction_text", "last_day_of_years", "parse_fraction",
           "round_half_up", "within_years", "yuan"]


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact amount to the nearest integer, halves going up."""
    if value < 0:
        raise ValueError("amounts are never negative")
    return (value.numerator * 2 + value.denominator) // (value.denominator * 2)


def parse_fraction(text: str) -> Fraction:
    """``"1"``, ``"0.5"`` and ``"1/2"`` all parse exactly (Fraction never goes through float)."""
    return Fraction(text.strip())


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals, e.g. 44000 -> ``"440.00"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def fraction_text(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
