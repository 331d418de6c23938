"""Calendar and money arithmetic shared by the engine; integers and Fractions only, no floats."""

from __future__ import annotations

from datetime import date
from fractions import Fraction


def add_years(start: date, years: int) -> date:
    """Same month and day ``years`` later; Feb 29 falls back to Feb 28 (DOMAIN.md section 3)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def within_years(start: date, years: int, on: date) -> bool:
    """Whether ``on`` is "within N years of D" (…之日起N年内): ``on < D + N years``."""
    return on < add_years(start, years)


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
