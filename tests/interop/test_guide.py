"""The partner guide's worked example is exactly what our signer produces, and it verifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.interop.conformance import example
from services.interop.signatures import httpsig

GUIDES = Path(__file__).resolve().parents[2] / "contracts" / "interop"


@pytest.mark.parametrize("guide", ["GUIDE.en.md", "GUIDE.zh.md"])
def test_the_guides_worked_example_is_byte_exact(guide: str) -> None:
    text = (GUIDES / guide).read_text(encoding="utf-8")
    computed = example.example()
    for line in ("Signature", "Signature-Input", "Content-Digest"):
        assert f"{line}: {computed[line]}" in text
    assert computed["signature_base"] in text and computed["body"] in text


def test_the_worked_example_verifies_with_the_example_public_key() -> None:
    computed = example.example()
    headers = {k.lower(): v for k, v in computed.items()}
    params = httpsig.read_params(headers)
    verified = httpsig.verify_request("POST", example.URL, headers, example.BODY, params,
                                      httpsig.load_public_key(computed["public_key_pem"]))
    assert verified.key_id == "33-example-k1" and params.created == example.CREATED
