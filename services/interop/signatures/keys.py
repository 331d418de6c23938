"""Which key signed a message (the partner directory) and which key we sign with; nonces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import FieldCipher
from services.interop.partners import repository
from services.interop.partners.models import OWN_KEY_CONTEXT, Partner
from services.interop.partners.service import key_state
from services.interop.signatures.httpsig import SignatureRefused, load_private_key, load_public_key
from services.interop.signatures.models import SeenNonce


@dataclass
class SenderKey:
    partner: Partner
    key_id: str
    public_key: Ed25519PublicKey


@dataclass
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey


async def sender_key(session: AsyncSession, key_id: str) -> SenderKey:
    key = await repository.key(session, key_id)
    if key is None:
        raise SignatureRefused("unknown-key", f"未登记的密钥 {key_id} (unknown keyid)")
    partner = await repository.get(session, key.partner_code)
    assert partner is not None
    state = key_state(key, clock.now())
    if state != "valid":
        raise SignatureRefused("unknown-key", f"密钥 {key_id} 当前不可用：{state} (key is {state})")
    if partner.status != "active":
        raise SignatureRefused("suspended", f"合作平台 {partner.code} 已暂停 (partner suspended)")
    return SenderKey(partner=partner, key_id=key_id, public_key=load_public_key(key.public_key_pem))


async def signing_key(session: AsyncSession, cipher: FieldCipher) -> SigningKey | None:
    own = await repository.active_own_key(session)
    if own is None:
        return None
    return SigningKey(key_id=own.key_id,
                      private_key=load_private_key(cipher.decrypt(own.private_key_encrypted, context=OWN_KEY_CONTEXT)))


async def remember_nonce(session: AsyncSession, key_id: str, nonce: str) -> bool:
    """False when this key used this nonce before: a replay."""
    stmt = (insert(SeenNonce).values(key_id=key_id, nonce=nonce, seen_at=clock.now())
            .on_conflict_do_nothing().returning(SeenNonce.nonce))
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def forget_old_nonces(session: AsyncSession, window_s: int) -> None:
    await session.execute(delete(SeenNonce).where(SeenNonce.seen_at < clock.now() - timedelta(seconds=2 * window_s)))
