from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from kit.crypto import (
    BlindIndex,
    FieldCipher,
    FieldDecryptError,
    FieldKeyError,
    decode_key,
    encode_key,
    generate_key,
    keys_from_settings,
    mask_bank_account,
    mask_cert_number,
    mask_name,
    mask_phone,
)

CERT = "11010519491231002X"
CTX = "entitlement.donors.cert_number"
K1 = bytes(range(32))
K2 = bytes(range(32, 64))


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher({"k1": K1}, "k1")


def test_round_trip_returns_the_plaintext(cipher: FieldCipher) -> None:
    token = cipher.encrypt(CERT, context=CTX)
    assert cipher.decrypt(token, context=CTX) == CERT


def test_round_trip_keeps_chinese_text(cipher: FieldCipher) -> None:
    token = cipher.encrypt("张三丰 北京市朝阳区", context="claims.claims.note")
    assert cipher.decrypt(token, context="claims.claims.note") == "张三丰 北京市朝阳区"


def test_token_is_compact_ascii_naming_its_key(cipher: FieldCipher) -> None:
    token = cipher.encrypt(CERT, context=CTX)
    version, kid, data = token.split(".")
    assert (version, kid) == ("v1", "k1")
    assert token.isascii()
    # nonce (12) + ciphertext (18) + tag (16), base64url without padding
    assert len(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))) == 12 + len(CERT) + 16


def test_plaintext_does_not_appear_in_token(cipher: FieldCipher) -> None:
    assert CERT not in cipher.encrypt(CERT, context=CTX)


def test_decrypt_with_another_context_fails(cipher: FieldCipher) -> None:
    token = cipher.encrypt(CERT, context=CTX)
    with pytest.raises(FieldDecryptError, match="entitlement.relatives.cert_number"):
        cipher.decrypt(token, context="entitlement.relatives.cert_number")


@pytest.mark.parametrize("position", [-1, -10, 12])
def test_tampered_token_fails(cipher: FieldCipher, position: int) -> None:
    token = cipher.encrypt(CERT, context=CTX)
    prefix, data = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    raw[position] ^= 0x01
    forged = prefix + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(FieldDecryptError, match="failed authentication"):
        cipher.decrypt(forged, context=CTX)


@pytest.mark.parametrize(
    "token", ["", "hello", "v2.k1.AAAA", "v1.k1", "v1.k1.AAAA", "v1.k1.!!!!", "v1.k.1.AAAA"]
)
def test_malformed_token_fails_clearly(cipher: FieldCipher, token: str) -> None:
    with pytest.raises(FieldDecryptError):
        cipher.decrypt(token, context=CTX)


def test_token_with_stray_characters_is_rejected(cipher: FieldCipher) -> None:
    # base64 decoders skip junk; the token must still have exactly one spelling.
    token = cipher.encrypt(CERT, context=CTX)
    with pytest.raises(FieldDecryptError, match="base64url"):
        cipher.decrypt(token[:10] + "!" + token[10:], context=CTX)


def test_rotation_keeps_old_tokens_readable_and_writes_with_the_new_key() -> None:
    old = FieldCipher({"k1": K1}, "k1")
    old_token = old.encrypt(CERT, context=CTX)

    rotated = FieldCipher({"k1": K1, "k2": K2}, "k2")
    assert rotated.decrypt(old_token, context=CTX) == CERT
    new_token = rotated.encrypt(CERT, context=CTX)
    assert rotated.key_id_of(new_token) == "k2"
    assert new_token.startswith("v1.k2.")
    assert rotated.needs_reencrypt(old_token)
    assert not rotated.needs_reencrypt(new_token)


def test_reencrypt_moves_a_token_to_the_active_key() -> None:
    old_token = FieldCipher({"k1": K1}, "k1").encrypt(CERT, context=CTX)
    rotated = FieldCipher({"k1": K1, "k2": K2}, "k2")
    moved = rotated.reencrypt(old_token, context=CTX)
    assert rotated.key_id_of(moved) == "k2"
    assert FieldCipher({"k2": K2}, "k2").decrypt(moved, context=CTX) == CERT
    assert rotated.reencrypt(moved, context=CTX) == moved


def test_unknown_key_id_fails_clearly() -> None:
    token = FieldCipher({"k2": K2}, "k2").encrypt(CERT, context=CTX)
    with pytest.raises(FieldDecryptError, match="unknown field key id 'k2'"):
        FieldCipher({"k1": K1}, "k1").decrypt(token, context=CTX)


def test_same_key_bytes_under_another_id_does_not_decrypt() -> None:
    # The key id is authenticated too: relabelling a token's kid is tampering.
    token = FieldCipher({"k1": K1}, "k1").encrypt(CERT, context=CTX)
    relabelled = token.replace("v1.k1.", "v1.k9.", 1)
    with pytest.raises(FieldDecryptError):
        FieldCipher({"k1": K1, "k9": K1}, "k1").decrypt(relabelled, context=CTX)


def test_same_plaintext_encrypts_to_different_tokens(cipher: FieldCipher) -> None:
    first = cipher.encrypt(CERT, context=CTX)
    second = cipher.encrypt(CERT, context=CTX)
    assert first != second
    assert cipher.decrypt(first, context=CTX) == cipher.decrypt(second, context=CTX)


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_invalid_key_length_is_rejected_naming_the_key_id(size: int) -> None:
    with pytest.raises(FieldKeyError, match=rf"field key 'old-2023' must be 32 bytes, got {size}"):
        FieldCipher({"k1": K1, "old-2023": b"\x00" * size}, "k1")


def test_active_key_id_must_be_configured() -> None:
    with pytest.raises(FieldKeyError, match="'k3'"):
        FieldCipher({"k1": K1}, "k3")


def test_key_id_with_the_token_separator_is_rejected() -> None:
    with pytest.raises(FieldKeyError, match="'k.1'"):
        FieldCipher({"k.1": K1}, "k.1")


def test_empty_context_is_rejected(cipher: FieldCipher) -> None:
    with pytest.raises(ValueError, match="context"):
        cipher.encrypt(CERT, context="")


def test_a_bad_context_is_rejected_every_time(cipher: FieldCipher) -> None:
    """Checked contexts are remembered; refused ones are not, so they are refused again."""
    for _ in range(2):
        with pytest.raises(ValueError, match="context"):
            cipher.encrypt(CERT, context="entitlement donors")
        with pytest.raises(ValueError, match="context"):
            BlindIndex(K1).digest(CERT, context="entitlement donors")


# --- keys from settings ---


def test_generate_key_is_32_random_bytes() -> None:
    first, second = generate_key(), generate_key()
    assert len(first) == 32
    assert first != second


def test_keys_from_settings_decodes_a_json_object() -> None:
    settings = json.dumps({"k1": encode_key(K1), "k2": encode_key(K2)})
    assert keys_from_settings(settings) == {"k1": K1, "k2": K2}


def test_keys_from_settings_accepts_a_mapping_of_secret_values() -> None:
    class Secret:
        def __init__(self, value: str) -> None:
            self._value = value

        def get_secret_value(self) -> str:
            return self._value

    assert keys_from_settings({"k1": Secret(encode_key(K1))}) == {"k1": K1}


def test_keys_from_settings_accepts_urlsafe_unpadded_base64() -> None:
    key = b"\xfb\xff" * 16  # encodes with '+' and '/' in the standard alphabet
    text = base64.urlsafe_b64encode(key).rstrip(b"=").decode()
    assert keys_from_settings({"k1": text}) == {"k1": key}


def test_keys_from_settings_names_the_short_key() -> None:
    settings = json.dumps({"k1": encode_key(K1), "k2": encode_key(b"short")})
    with pytest.raises(FieldKeyError, match="field key 'k2' must be 32 bytes, got 5"):
        keys_from_settings(settings)


def test_keys_from_settings_rejects_a_non_text_key() -> None:
    with pytest.raises(FieldKeyError, match="field key 'k1' must be base64 text"):
        keys_from_settings('{"k1": 12345}')


@pytest.mark.parametrize("settings", ["not json", "[1, 2]", '"k1"'])
def test_keys_from_settings_rejects_non_objects(settings: str) -> None:
    with pytest.raises(FieldKeyError, match="JSON object"):
        keys_from_settings(settings)


def test_decode_key_rejects_bad_base64_without_echoing_it() -> None:
    with pytest.raises(FieldKeyError, match="blind index key is not valid base64") as info:
        decode_key("s3cr3t!!", name="blind index key")
    assert "s3cr3t" not in str(info.value)


def test_field_cipher_from_settings() -> None:
    cipher = FieldCipher.from_settings(json.dumps({"k1": encode_key(K1)}), "k1")
    assert cipher.decrypt(cipher.encrypt(CERT, context=CTX), context=CTX) == CERT


# --- blind index ---


@pytest.fixture
def index() -> BlindIndex:
    return BlindIndex(K2)


def test_blind_index_is_deterministic(index: BlindIndex) -> None:
    assert index.digest(CERT, context=CTX) == index.digest(CERT, context=CTX)
    assert len(index.digest(CERT, context=CTX)) == 64


FULL_WIDTH_CERT = "１１０１０５１９４９１２３１００２Ｘ"


@pytest.mark.parametrize(
    "variant", ["11010519491231002x", "  11010519491231002X\n", FULL_WIDTH_CERT]
)
def test_blind_index_normalises_case_space_and_width(index: BlindIndex, variant: str) -> None:
    assert index.digest(variant, context=CTX) == index.digest(CERT, context=CTX)


def test_blind_index_ignores_spaces_inside_card_numbers(index: BlindIndex) -> None:
    ctx = "payments.payees.bank_account"
    assert index.digest("6222 0212 3456 7891 234", context=ctx) == index.digest(
        "6222021234567891234", context=ctx
    )


def test_blind_index_differs_per_context(index: BlindIndex) -> None:
    donors = index.digest(CERT, context="entitlement.donors.cert_number")
    relatives = index.digest(CERT, context="entitlement.relatives.cert_number")
    assert donors != relatives


def test_blind_index_digests_stay_what_they_were() -> None:
    """Stored indexes must keep matching: HMAC-SHA256 over len(context) || context || value, in hex
    (the value computed by the implementation that wrote the first rows)."""
    expected = "d24ea5ff2e95e579f8f8863cf167012badab3ba4e168a9d24fc73b7b2ab49bfb"
    assert BlindIndex(K1).digest(CERT, context=CTX) == expected
    message = len(CTX).to_bytes(2, "big") + CTX.encode() + CERT.encode()
    assert hmac.new(K1, message, hashlib.sha256).hexdigest() == expected
    assert BlindIndex(K1).digest("resident_id:" + CERT, context="identity.person") == (
        "6f8082ce031e0a48657ca5e11fbbf172eecbfec418db3ca96c9b56201545ec06")


def test_blind_index_differs_per_key() -> None:
    assert BlindIndex(K1).digest(CERT, context=CTX) != BlindIndex(K2).digest(CERT, context=CTX)


def test_blind_index_differs_per_value(index: BlindIndex) -> None:
    assert index.digest(CERT, context=CTX) != index.digest("110105194912310038", context=CTX)


def test_blind_index_rejects_blank_values(index: BlindIndex) -> None:
    with pytest.raises(ValueError, match="empty"):
        index.digest("   ", context=CTX)


def test_blind_index_rejects_a_short_key() -> None:
    with pytest.raises(FieldKeyError, match="blind index key must be 32 bytes, got 16"):
        BlindIndex(b"\x00" * 16)


def test_blind_index_from_settings() -> None:
    assert BlindIndex.from_settings(encode_key(K2)).digest(CERT, context=CTX) == BlindIndex(
        K2
    ).digest(CERT, context=CTX)


# --- masking (DOMAIN.md 11) ---


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        (" 110105194912310038 ", "110105********0038"),
        ("110105491231002", "11*********1002"),  # 15-digit first-generation ID
        ("E12345678", "E*****678"),  # passport
        ("H1234567", "H****567"),  # 港澳居民来往内地通行证 (older form)
        ("1234", "1**4"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_cert_number(value: str, masked: str) -> None:
    assert mask_cert_number(value) == masked


@pytest.mark.parametrize("value", ["110105491231002", "E12345678", "H1234567", "123456"])
def test_mask_cert_number_never_reveals_more_than_half(value: str) -> None:
    masked = mask_cert_number(value)
    assert len(masked) == len(value)
    assert sum(ch != "*" for ch in masked) <= len(value) // 2


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222021234567891234", "6222 **** **** 1234"),
        ("6222 0212 3456 7891 234", "6222 **** **** 1234"),
        ("6222021234567890", "6222 **** **** 7890"),
        ("123456789012", "**** **** 9012"),
        ("12", "**** **** 2"),
        ("", "**** ****"),
    ],
)
def test_mask_bank_account(value: str, masked: str) -> None:
    assert mask_bank_account(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("12345678", "1****678"),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳", "欧*"),
        ("买买提·艾力", "买**·**"),
        ("John Smith", "J*** *****"),
        ("张", "*"),
        ("", ""),
    ],
)
def test_mask_name(value: str, masked: str) -> None:
    assert mask_name(value) == masked
