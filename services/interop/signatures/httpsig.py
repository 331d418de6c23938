"""The partner API's signature profile: RFC 9421 HTTP Message Signatures (Ed25519) over an
RFC 9530 Content-Digest, through the `http-message-signatures` package.

A request covers its method, target URI, body digest, content type, sender and receiver
province and message id; its parameters carry `created`, a `nonce`, the `keyid` and the
tag `xuefei-interop`. A reply covers its status, content type, body digest and its own message
id, and the request's digest and message id (`;req`, RFC 9421 2.4), so a reply cannot be moved
to another request. Pure functions: key lookup, the clock window and nonces are the caller's.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from kit import clock

LABEL = "interop"
TAG = "xuefei-interop"
SENDER = "Interop-Sender-Province"
RECEIVER = "Interop-Receiver-Province"
MESSAGE_ID = "Interop-Message-Id"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-digest", "content-type",
                      "interop-sender-province", "interop-receiver-province", "interop-message-id")
REPLY_COMPONENTS = ("@status", "content-type", "content-digest", "interop-message-id",
                    '"content-digest";req', '"interop-message-id";req')


class SignatureRefused(Exception):
    """Why a message's signature is not acceptable; `reason` is a stable slug for the evidence log."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass
class RequestView:
    method: str
    url: str
    headers: dict[str, str]


@dataclass
class ReplyView:
    status_code: int
    headers: dict[str, str]
    request: RequestView


@dataclass(frozen=True)
class SignatureParams:
    """What the Signature-Input says, read before any key is looked up."""

    key_id: str
    created: int
    nonce: str
    alg: str | None
    tag: str | None
    components: tuple[str, ...]


@dataclass
class Verified:
    key_id: str
    created: int
    nonce: str
    covered: dict[str, str] = field(default_factory=dict)


class _ClockedVerifier(HTTPMessageVerifier):
    """The `created` window is judged by kit.clock (pinned in tests, moved by test-calendar) and
    enforced by the caller with its configured width; here only the library's shape checks run."""

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        if "created" not in sig_input.params:
            raise InvalidSignature('Signature is missing a required "created" parameter')


def content_digest(body: bytes) -> str:
    return ContentDigest.create(body)


def load_private_key(pem: str) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("an Ed25519 private key is required")
    return key


def load_public_key(pem: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("an Ed25519 public key is required")
    return key


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def read_params(headers: Mapping[str, str]) -> SignatureParams:
    """Parse our label out of Signature-Input (no cryptography yet)."""
    raw_input, raw_signature = _header(headers, "Signature-Input"), _header(headers, "Signature")
    if not raw_input or not raw_signature:
        raise SignatureRefused("unsigned", "缺少签名 (no Signature-Input/Signature header)")
    try:
        parsed = http_sf.parse(raw_input.encode(), tltype="dictionary")
    except (ValueError, TypeError) as exc:
        raise SignatureRefused("malformed", f"Signature-Input is not a structured dictionary: {exc}") from exc
    if not isinstance(parsed, dict) or LABEL not in parsed:
        raise SignatureRefused("malformed", f'Signature-Input has no "{LABEL}" signature')
    members, params = parsed[LABEL]
    if not isinstance(members, list):
        raise SignatureRefused("malformed", "Signature-Input member must be an inner list")
    key_id, created, nonce = params.get("keyid"), params.get("created"), params.get("nonce")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureRefused("malformed", "signature has no keyid")
    if type(created) is not int:
        raise SignatureRefused("malformed", "signature has no integer created")
    if not isinstance(nonce, str) or not 16 <= len(nonce) <= 128:
        raise SignatureRefused("malformed", "signature needs a nonce of 16-128 characters")
    components = tuple(str(member[0]) for member in members)
    return SignatureParams(key_id=key_id, created=created, nonce=nonce, alg=params.get("alg"),
                           tag=params.get("tag"), components=components)


def check_window(created: int, window_s: int) -> None:
    now = clock.epoch_s()
    if created > now + window_s:
        raise SignatureRefused("stale", f"created {created} lies more than {window_s} s in the future")
    if created < now - window_s:
        raise SignatureRefused("stale", f"created {created} is more than {window_s} s old")


def _verifier(key_id: str, public_key: Ed25519PublicKey) -> _ClockedVerifier:
    return _ClockedVerifier(signature_algorithm=algorithms.ED25519,
                            key_resolver=MappingKeyResolver(public_keys={key_id: public_key}, private_keys={}))


def _signer(key_id: str, private_key: Ed25519PrivateKey) -> HTTPMessageSigner:
    return HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                             key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: private_key}))


def _sign(message: RequestView | ReplyView, body: bytes, key_id: str, private_key: Ed25519PrivateKey,
          components: tuple[str, ...], created: int | None = None) -> None:
    message.headers["Content-Digest"] = content_digest(body)
    _signer(key_id, private_key).sign(
        message, key_id=key_id, label=LABEL, tag=TAG, nonce=secrets.token_urlsafe(24),
        created=dt.datetime.fromtimestamp(created or clock.epoch_s(), tz=dt.UTC), covered_component_ids=components,
        use_existing_digest=True, body=body)


def sign_request(method: str, url: str, headers: dict[str, str], body: bytes, *, key_id: str,
                 private_key: Ed25519PrivateKey, created: int | None = None) -> dict[str, str]:
    """Returns the headers to send: the given ones plus Content-Digest, Signature-Input, Signature.
    `created` (epoch seconds) defaults to now; a conformance check sets it to test the window."""
    view = RequestView(method=method.upper(), url=url, headers=dict(headers))
    _sign(view, body, key_id, private_key, REQUEST_COMPONENTS, created)
    return view.headers


def sign_reply(status: int, headers: dict[str, str], body: bytes, request: RequestView, *, key_id: str,
               private_key: Ed25519PrivateKey) -> dict[str, str]:
    view = ReplyView(status_code=status, headers=dict(headers), request=request)
    components = REPLY_COMPONENTS if _header(request.headers, "content-digest") else REPLY_COMPONENTS[:4]
    _sign(view, body, key_id, private_key, components)
    return view.headers


def _verify(message: RequestView | ReplyView, body: bytes, params: SignatureParams, public_key: Ed25519PublicKey,
            required: tuple[str, ...]) -> Verified:
    if params.tag != TAG:
        raise SignatureRefused("malformed", f'signature tag must be "{TAG}"')
    if params.alg not in (None, "ed25519"):
        raise SignatureRefused("malformed", "only ed25519 signatures are accepted")
    try:
        results = _verifier(params.key_id, public_key).verify(
            message, expect_tag=TAG, expect_label=LABEL, require_components=required, body=body, max_age=None)
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        raise SignatureRefused("bad-signature", f"签名无效 (signature does not verify: {exc})") from exc
    return Verified(key_id=params.key_id, created=params.created, nonce=params.nonce,
                    covered=results[0].covered_components)


def verify_request(method: str, url: str, headers: dict[str, str], body: bytes, params: SignatureParams,
                   public_key: Ed25519PublicKey) -> Verified:
    """`url` is the target URI as we publish it: a message signed for another URI fails."""
    return _verify(RequestView(method=method.upper(), url=url, headers=headers), body, params, public_key,
                   REQUEST_COMPONENTS)


def verify_reply(status: int, headers: dict[str, str], body: bytes, request: RequestView, params: SignatureParams,
                 public_key: Ed25519PublicKey) -> Verified:
    return _verify(ReplyView(status_code=status, headers=headers, request=request), body, params, public_key,
                   REPLY_COMPONENTS)


def generate_keypair() -> tuple[str, str]:
    """(private PEM, public PEM)."""
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public
