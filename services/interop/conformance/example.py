"""The partner guide's worked example, computed (Ed25519 is deterministic, so the signature is
exact): `python -m services.interop.conformance.example` prints it; a test checks the guide."""

from __future__ import annotations

import datetime as dt
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from services.interop.signatures import httpsig

# A key for this example only: never register it anywhere.
EXAMPLE_SEED = bytes(range(32))
KEY_ID = "33-example-k1"
URL = "https://xuefei.bj.example.cn/interop/v1/lookups"
CREATED = 1798761600  # 2027-01-01T00:00:00Z
NONCE = "bm9uY2UtZXhhbXBsZS0wMDAx"
MESSAGE_ID = "6f1c2a9e-8d3b-4c57-9a0e-2b7d4f1e6a53"
BODY = json.dumps({"consent_ref": "ZJ-CONSENT-2026-000123", "purpose": "claim",
                   "donor": {"cert_type": "resident_id", "cert_number": "110105198503120215", "name": "张三"},
                   "beneficiary": {"cert_type": "resident_id", "cert_number": "110105198503120215", "name": "张三"},
                   "relationship": "self",
                   "use": {"hospital_name": "浙江大学医学院附属第一医院", "usage_province": "33",
                           "used_on": "2026-12-20", "items": [{"product": "red_cells", "quantity": 2}],
                           "blood_fee_fen": 46000}}, ensure_ascii=False, separators=(",", ":")).encode()


def example() -> dict[str, str]:
    key = Ed25519PrivateKey.from_private_bytes(EXAMPLE_SEED)
    headers = {"Content-Type": "application/json", httpsig.SENDER: "33", httpsig.RECEIVER: "11",
               httpsig.MESSAGE_ID: MESSAGE_ID, "Content-Digest": httpsig.content_digest(BODY)}
    view = httpsig.RequestView("POST", URL, headers)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key}))
    options = {"key_id": KEY_ID, "label": httpsig.LABEL, "tag": httpsig.TAG, "nonce": NONCE,
               "created": dt.datetime.fromtimestamp(CREATED, tz=dt.UTC),
               "covered_component_ids": httpsig.REQUEST_COMPONENTS, "use_existing_digest": True, "body": BODY}
    prepared = signer.prepare(view, **options)
    signer.sign(view, **options)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return {"private_key_pem": private, "public_key_pem": public, "body": BODY.decode(),
            "signature_base": prepared.signature_base.decode(), **view.headers}


if __name__ == "__main__":
    for name, value in example().items():
        print(f"--- {name}\n{value}")
