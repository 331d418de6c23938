"""One invoice is one invoice however it is typed (DOMAIN 6.1): code and number are compared
after NFKC (full-width digits and letters folded), every whitespace removed, upper case."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """``"１４１５７３１４"``, ``"1 4 1 57314"`` and ``"14157314"`` are the same number."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def invoice_key(code: str, number: str) -> str:
    return f"{normalise(code)}|{normalise(number)}"
