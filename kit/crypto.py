"""Field-level encryption, blind indexes and masking for sensitive personal data (DOMAIN.md 11).

PIPL treats ID numbers, bank accounts, phone numbers and blood-use records as sensitive
personal information (敏感个人信息): they are stored encrypted (`FieldCipher`), found by exact
match through a keyed hash (`BlindIndex`), and shown masked (`mask_*`) wherever the whole
value is not needed.

Token format: ``v1.<kid>.<base64url(nonce || ciphertext+tag)>`` -- ASCII, fits a text column,
and names its key so keys can rotate without re-encrypting every row at once.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "BlindIndex",
    "FieldCipher",
    "FieldCryptoError",
    "FieldDecryptError",
    "FieldKeyError",
    "decode_key",
    "encode_key",
    "generate_key",
    "keys_from_settings",
    "mask_bank_account",
    "mask_cert_number",
    "mask_name",
    "mask_phone",
]

KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_TOKEN_VERSION = "v1"
# Key ids travel inside tokens, so they may not contain the "." separator.
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_CONTEXT = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_BLOB_MAGIC = b"XF1"
_BLOB_TAG = b"\x00file"


class FieldCryptoError(Exception):
    """Base class for every error raised by this module."""


class FieldKeyError(FieldCryptoError, ValueError):
    """A key or key id is missing or malformed (a configuration error)."""


class FieldDecryptError(FieldCryptoError):
    """A token cannot be decrypted: malformed, unknown key, wrong context or tampered."""


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


KeyMaterial = str | bytes | _Secret


def generate_key() -> bytes:
    """A fresh random 32-byte key (AES-256 or HMAC-SHA256)."""
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    """Base64 text of a key, as the settings (`*_FIELD_KEYS`, `*_BLIND_INDEX_KEY`) expect it."""
    return base64.b64encode(key).decode("ascii")


def decode_key(value: KeyMaterial, *, name: str = "key") -> bytes:
    """Decode one base64 key (standard or url-safe alphabet) and check it is 32 bytes.

    Accepts raw bytes (taken as-is) and pydantic ``SecretStr`` (unwrapped), so settings
    fields can be passed straight in. `name` appears in errors so operators know which
    key to fix; the key material itself never does.
    """
    if isinstance(value, bytes):
        raw = value
    else:
        unwrap = getattr(value, "get_secret_value", None)
        text = value if isinstance(value, str) else unwrap() if callable(unwrap) else None
        if not isinstance(text, str):
            raise FieldKeyError(f"{name} must be base64 text")
        text = text.strip()
        if not text:
            raise FieldKeyError(f"{name} is empty")
        text += "=" * (-len(text) % 4)
        alphabet = b"-_" if ("-" in text or "_" in text) else None
        try:
            raw = base64.b64decode(text, altchars=alphabet, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise FieldKeyError(f"{name} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise FieldKeyError(f"{name} must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def keys_from_settings(value: str | Mapping[str, KeyMaterial]) -> dict[str, bytes]:
    """Decode `*_FIELD_KEYS`: a JSON object (or mapping) of key id -> base64 32-byte key."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise FieldKeyError("field keys must be a JSON object of key id -> base64 key") from exc
        if not isinstance(value, dict):
            raise FieldKeyError("field keys must be a JSON object of key id -> base64 key")
    return {kid: decode_key(material, name=f"field key {kid!r}") for kid, material in value.items()}


# A handful of contexts (one per column) are checked millions of times (a station import encrypts and
# indexes every row): each is checked and encoded once. An invalid one raises and is not cached.
@functools.lru_cache(maxsize=256)
def _check_context(context: str) -> bytes:
    if not _CONTEXT.fullmatch(context):
        raise ValueError(
            f"context must match {_CONTEXT.pattern}, e.g. 'entitlement.donors.cert_number'"
        )
    return context.encode("ascii")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FieldCipher:
    """AES-256-GCM encryption of one column value, bound to its table and column.

    `context` (e.g. ``"entitlement.donors.cert_number"``) is authenticated as associated
    data, so a ciphertext copied into another column -- or another row type -- fails to
    decrypt instead of silently revealing a value where it does not belong.
    """

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if not keys:
            raise FieldKeyError("no field keys configured")
        self._aeads: dict[str, AESGCM] = {}
        for kid, key in keys.items():
            if not _KEY_ID.fullmatch(kid):
                raise FieldKeyError(f"field key id {kid!r} must match {_KEY_ID.pattern}")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                size = len(key) if isinstance(key, bytes) else type(key).__name__
                raise FieldKeyError(f"field key {kid!r} must be {KEY_BYTES} bytes, got {size}")
            self._aeads[kid] = AESGCM(key)
        if active_key_id not in self._aeads:
            raise FieldKeyError(f"active field key id {active_key_id!r} is not among the keys")
        self._active = active_key_id

    @classmethod
    def from_settings(
        cls, keys: str | Mapping[str, KeyMaterial], active_key_id: str
    ) -> FieldCipher:
        return cls(keys_from_settings(keys), active_key_id)

    @property
    def active_key_id(self) -> str:
        return self._active

    def encrypt(self, plaintext: str, *, context: str) -> str:
        ctx = _check_context(context)
        nonce = os.urandom(_NONCE_BYTES)  # what secrets.token_bytes draws, without its two calls
        sealed = self._aeads[self._active].encrypt(
            nonce, plaintext.encode("utf-8"), _aad(self._active, ctx)
        )
        return f"{_TOKEN_VERSION}.{self._active}.{_b64url(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        ctx = _check_context(context)
        kid, blob = _parse_token(token)
        aead = self._aeads.get(kid)
        if aead is None:
            raise FieldDecryptError(f"unknown field key id {kid!r}; was it removed too early?")
        try:
            plain = aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _aad(kid, ctx))
        except InvalidTag:
            raise FieldDecryptError(
                f"field token failed authentication for context {context!r}: "
                "wrong column, wrong key or tampered value"
            ) from None
        return plain.decode("utf-8")

    def encrypt_json(self, value: object, *, context: str) -> str:
        """A JSON value (blood-use items, a quote's explanation) as one field token."""
        return self.encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True), context=context)

    def decrypt_json(self, token: str, *, context: str) -> Any:
        return json.loads(self.decrypt(token, context=context))

    def encrypt_bytes(self, data: bytes, *, context: str) -> bytes:
        """A whole file (a claim's photo): ``XF1 || len(kid) || kid || nonce || ciphertext+tag``.

        Same keys, rotation and context binding as the text tokens; a distinct associated-data
        tag keeps a file and a column value from ever decrypting as each other.
        """
        ctx = _check_context(context)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        kid = self._active.encode("ascii")
        sealed = self._aeads[self._active].encrypt(nonce, data, _aad(self._active, ctx) + _BLOB_TAG)
        return _BLOB_MAGIC + bytes([len(kid)]) + kid + nonce + sealed

    def decrypt_bytes(self, blob: bytes, *, context: str) -> bytes:
        ctx = _check_context(context)
        if not blob.startswith(_BLOB_MAGIC) or len(blob) < len(_BLOB_MAGIC) + 1:
            raise FieldDecryptError("not an encrypted file (expected the XF1 header)")
        n = blob[len(_BLOB_MAGIC)]
        start = len(_BLOB_MAGIC) + 1
        kid = blob[start:start + n].decode("ascii", "replace")
        body = blob[start + n:]
        aead = self._aeads.get(kid)
        if aead is None:
            raise FieldDecryptError(f"unknown field key id {kid!r}; was it removed too early?")
        if len(body) < _NONCE_BYTES + _TAG_BYTES:
            raise FieldDecryptError("encrypted file is truncated")
        try:
            return aead.decrypt(body[:_NONCE_BYTES], body[_NONCE_BYTES:], _aad(kid, ctx) + _BLOB_TAG)
        except InvalidTag:
            raise FieldDecryptError(f"encrypted file failed authentication for context {context!r}") from None

    def key_id_of(self, token: str) -> str:
        """The key id a token was written with (no decryption)."""
        return _parse_token(token)[0]

    def needs_reencrypt(self, token: str) -> bool:
        """True when a token was written with a key other than the active one."""
        return self.key_id_of(token) != self._active

    def reencrypt(self, token: str, *, context: str) -> str:
        """Re-encrypt under the active key (for a rotation backfill); returns `token` if current."""
        if not self.needs_reencrypt(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)


@functools.lru_cache(maxsize=256)
def _aad(kid: str, ctx: bytes) -> bytes:
    # NUL cannot occur in a validated key id or context, so the fields cannot run together.
    return b"xuefei-field\x00" + _TOKEN_VERSION.encode() + b"\x00" + kid.encode() + b"\x00" + ctx


def _parse_token(token: str) -> tuple[str, bytes]:
    if not isinstance(token, str):
        raise FieldDecryptError(f"field token must be str, got {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _TOKEN_VERSION or not _KEY_ID.fullmatch(parts[1]):
        raise FieldDecryptError("not a field token (expected 'v1.<kid>.<data>')")
    # The decoder skips stray characters; refuse them so one value has exactly one token text.
    if not _B64URL.fullmatch(parts[2]):
        raise FieldDecryptError("field token data is not base64url")
    try:
        blob = _unb64url(parts[2])
    except (binascii.Error, ValueError):
        raise FieldDecryptError("field token data is not base64url") from None
    if len(blob) < _NONCE_BYTES + _TAG_BYTES:
        raise FieldDecryptError("field token data is truncated")
    return parts[1], blob


def _normalise_identifier(value: str) -> str:
    # NFKC folds full-width digits and letters (１１０…Ｘ, common from Chinese input methods)
    # to ASCII; whitespace inside card and phone numbers is formatting, not data.
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


class BlindIndex:
    """Keyed HMAC-SHA256 of a normalised identifier, for exact-match lookup on encrypted columns.

    Normalisation (NFKC, all whitespace removed, upper case) makes ``" 11010519491231002x "``
    and ``"11010519491231002X"`` index the same. The context is mixed in so the same ID in
    two columns gives unrelated digests (no cross-column linking from the index alone).
    Digests are 64 lowercase hex characters.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            size = len(key) if isinstance(key, bytes) else type(key).__name__
            raise FieldKeyError(f"blind index key must be {KEY_BYTES} bytes, got {size}")
        self._key = key

    @classmethod
    def from_settings(cls, key: KeyMaterial) -> BlindIndex:
        return cls(decode_key(key, name="blind index key"))

    @staticmethod
    def normalise(value: str) -> str:
        return _normalise_identifier(value)

    def digest(self, value: str, *, context: str) -> str:
        ctx = _check_context(context)
        normalised = _normalise_identifier(value)
        if not normalised:
            # Every blank value would share one digest, linking unrelated rows.
            raise ValueError("cannot index an empty value")
        message = len(ctx).to_bytes(2, "big") + ctx + normalised.encode("utf-8")
        # One-shot HMAC in OpenSSL: the same digest as hmac.new(key, message, sha256).hexdigest().
        return hmac.digest(self._key, message, "sha256").hex()


# --- Masking (DOMAIN.md 11): what responses and log lines show instead of the whole value ---


def _keep(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    return value[:head] + "*" * hidden + (value[len(value) - tail :] if tail else "")


def _mask_generic(value: str, max_head: int, max_tail: int) -> str:
    """Keep up to `max_head` + `max_tail` characters, never more than half the value."""
    n = len(value)
    if n < 4:
        return "*" * n
    budget = n // 2
    # The tail tells people apart better than the head (issuing region, passport letter).
    head = min(max_head, max(1, budget // 3))
    tail = min(max_tail, budget - head)
    return _keep(value, head, tail)


def mask_cert_number(value: str) -> str:
    """``11010519491231002X`` -> ``110105********002X``.

    An 18-character resident ID (居民身份证) keeps the region code (first 6) and the last 4,
    as DOMAIN.md 11 prescribes. Any other certificate (15-digit old ID, passport, 港澳台
    permits, military ID) keeps at most the first 2 and last 4 and never more than half.
    """
    text = _normalise_identifier(value)
    if len(text) == 18:
        return _keep(text, 6, 4)
    return _mask_generic(text, 2, 4)


def mask_bank_account(value: str) -> str:
    """``6222021234567891234`` -> ``6222 **** **** 1234``.

    The fixed shape hides the account's length. Numbers shorter than a card (16 digits),
    where first 4 + last 4 would be half or more, show only their last digits, at most half.
    """
    digits = "".join(ch for ch in _normalise_identifier(value) if ch != "-")
    n = len(digits)
    if n >= 16:
        return f"{digits[:4]} **** **** {digits[-4:]}"
    shown = min(4, n // 2)
    return "**** ****" + (f" {digits[-shown:]}" if shown else "")


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``; ``+86`` is kept as a prefix when present.

    An 11-digit number (mobile, or landline with area code) keeps the first 3 and last 4;
    other lengths keep at most that and never more than half.
    """
    text = "".join(ch for ch in _normalise_identifier(value) if ch not in "-()")
    prefix = ""
    if text.startswith("+86"):
        prefix, text = "+86", text[3:]
    if len(text) == 11:
        return prefix + _keep(text, 3, 4)
    return prefix + _mask_generic(text, 3, 4)


# Two-character surnames (复姓): a reader needs the whole surname to address the person.
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 西门 "
    "南宫 独孤 申屠 太史 澹台 公冶 宗政 濮阳 淳于 单于 呼延 万俟 闻人 赫连 钟离 拓跋 百里 "
    "东郭 南门 第五 公羊 谷梁 司空 左丘 亓官 仉督 子车 颛孙 壤驷 公良 漆雕 乐正 梁丘".split()
)
_NAME_SEPARATORS = frozenset(" ·•・-")


def mask_name(value: str) -> str:
    """Keep the surname, mask every other character: ``张三`` -> ``张*``, ``张三丰`` -> ``张**``.

    A known compound surname is kept whole when the name is longer than it (``欧阳娜娜`` ->
    ``欧阳**``). Names with separators (minority names like ``买买提·艾力``, Latin names) keep
    the first character and the separators, so the shape stays readable: ``买**·**``.
    A one-character name is fully masked.
    """
    name = unicodedata.normalize("NFKC", value).strip()
    if len(name) <= 1:
        return "*" * len(name)
    keep = 2 if len(name) > 2 and name[:2] in _COMPOUND_SURNAMES else 1
    return name[:keep] + "".join(ch if ch in _NAME_SEPARATORS else "*" for ch in name[keep:])
