"""The invoice key (DOMAIN 6.1, issue 12.3): NFKC, every whitespace removed, upper case."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.claims.intake.schemas import InvoiceIn
from services.claims.invoices.key import invoice_key, normalise


@pytest.mark.parametrize("typed", ["14157314", "1 4 1 57314", "１４１５７３１４", "1415\u30007314", "1415\u00a07314",
                                   " 14157314\t", "1415\n7314"])
def test_every_spelling_of_one_number_is_one_key(typed: str) -> None:
    assert normalise(typed) == "14157314"


def test_letters_fold_to_upper_case_and_full_width_letters_to_ascii() -> None:
    assert invoice_key("ｂｊ 0１a", "x-12") == "BJ01A|X-12"


def test_a_key_that_nfkc_makes_longer_than_the_column_is_refused_not_stored() -> None:
    with pytest.raises(ValidationError, match="不能超过32个字符"):
        InvoiceIn(code="㍻" * 20, number="1", issued_on="2024-01-01", total_fen=100, blood_fee_fen=100)
