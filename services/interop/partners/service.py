"""Registering partners, adding (rotating), retiring keys, suspending; our own signing keys.
Every act is audited in the same transaction."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.crypto import FieldCipher, mask_bank_account
from kit.identity import Caller
from kit.problems import Conflict, NotFound, Unprocessable
from kit.request_id import current_request_id
from services.interop.partners import repository
from services.interop.partners.models import OWN_KEY_CONTEXT, AuditEvent, OwnKey, Partner, PartnerKey
from services.interop.partners.schemas import AccountIn, KeyIn, KeyOut, OwnKeyOut, PartnerIn, PartnerOut
from services.interop.signatures import httpsig

ACCOUNT_CONTEXT = "interop.partners.settlement_account"


def audit(session: AsyncSession, caller: Caller, action: str, *, partner: str | None = None,
          key_id: str | None = None, detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEvent(actor=f"{caller.kind}:{caller.subject}", action=action, partner_code=partner,
                           key_id=key_id, detail=detail, request_id=current_request_id()))


def key_state(key: PartnerKey, at: datetime) -> str:
    if key.retired_at is not None:
        return "retired"
    if key.valid_from > at:
        return "not_yet_valid"
    if key.valid_until is not None and key.valid_until <= at:
        return "expired"
    return "valid"


def _account(account: AccountIn | None, cipher: FieldCipher) -> dict[str, str] | None:
    if account is None:
        return None
    number = account.account_number.replace(" ", "")
    return {"account_name": account.account_name, "bank_name": account.bank_name,
            "account_number_encrypted": cipher.encrypt(number, context=ACCOUNT_CONTEXT),
            "account_number_masked": mask_bank_account(number)}


def settlement_account(partner: Partner, cipher: FieldCipher) -> dict[str, str] | None:
    """The partner's account in the clear, for payments (never shown)."""
    account = partner.settlement_account
    if not account:
        return None
    return {"account_name": account["account_name"], "bank_name": account["bank_name"],
            "account_number": cipher.decrypt(account["account_number_encrypted"], context=ACCOUNT_CONTEXT)}


def out(partner: Partner, keys: list[PartnerKey]) -> PartnerOut:
    now = clock.now()
    return PartnerOut(
        code=partner.code, name=partner.name, provinces=list(partner.provinces), base_url=partner.base_url,
        status=partner.status,  # type: ignore[arg-type]
        settlement_account_masked=(partner.settlement_account or {}).get("account_number_masked"),
        keys=[KeyOut(key_id=k.key_id, public_key_pem=k.public_key_pem, valid_from=k.valid_from,
                     valid_until=k.valid_until, retired_at=k.retired_at,
                     state=key_state(k, now)) for k in keys],  # type: ignore[arg-type]
        created_at=partner.created_at, updated_at=partner.updated_at)


async def _add_key(session: AsyncSession, code: str, body: KeyIn) -> PartnerKey:
    if await repository.key(session, body.key_id) is not None:
        raise Conflict(f"密钥编号 {body.key_id} 已存在 (key id already registered)", field="key_id")
    valid_from = body.valid_from or clock.now()
    if body.valid_until is not None and body.valid_until <= valid_from:
        raise Unprocessable("valid_until must be after valid_from", field="valid_until")
    key = PartnerKey(key_id=body.key_id, partner_code=code, public_key_pem=body.public_key_pem,
                     valid_from=valid_from, valid_until=body.valid_until)
    session.add(key)
    return key


async def register(session: AsyncSession, body: PartnerIn, caller: Caller, cipher: FieldCipher,
                   own_provinces: list[str]) -> PartnerOut:
    if await repository.get(session, body.code) is not None:
        raise Conflict(f"合作平台 {body.code} 已登记 (partner already registered)", field="code")
    ours = sorted(set(body.provinces) & set(own_provinces))
    if ours:
        raise Unprocessable(f"本平台自己服务的省份不能登记为合作方 (we serve {ours} ourselves)", field="provinces")
    for other in await repository.all_partners(session):
        shared = sorted(set(other.provinces) & set(body.provinces))
        if shared:
            raise Conflict(f"省份 {shared} 已由 {other.code} 服务 (already served by {other.code})", field="provinces")
    if len({k.key_id for k in body.keys}) != len(body.keys):
        raise Unprocessable("each key id once", field="keys")
    partner = Partner(code=body.code, name=body.name, provinces=body.provinces, base_url=body.base_url.rstrip("/"),
                      status="active", settlement_account=_account(body.settlement_account, cipher))
    session.add(partner)
    await session.flush()
    for i, key in enumerate(body.keys):
        try:
            await _add_key(session, body.code, key)
        except Conflict as exc:
            raise Conflict(exc.detail, field=f"keys[{i}].key_id") from None
    await session.flush()
    audit(session, caller, "partner_registered", partner=body.code,
          detail={"provinces": body.provinces, "base_url": partner.base_url, "keys": [k.key_id for k in body.keys]})
    await session.refresh(partner)
    return out(partner, await repository.keys_of(session, body.code))


async def partner_of(session: AsyncSession, code: str, *, for_update: bool = False) -> Partner:
    partner = await repository.get(session, code, for_update=for_update)
    if partner is None:
        raise NotFound(f"没有合作平台 {code} (no such partner)")
    return partner


async def add_key(session: AsyncSession, code: str, body: KeyIn, caller: Caller) -> PartnerOut:
    partner = await partner_of(session, code, for_update=True)
    await _add_key(session, code, body)
    await session.flush()
    audit(session, caller, "key_added", partner=code, key_id=body.key_id,
          detail={"valid_from": str(body.valid_from or ""), "valid_until": str(body.valid_until or "")})
    return out(partner, await repository.keys_of(session, code))


async def retire_key(session: AsyncSession, code: str, key_id: str, reason: str, caller: Caller) -> PartnerOut:
    partner = await partner_of(session, code, for_update=True)
    key = await repository.key(session, key_id)
    if key is None or key.partner_code != code:
        raise NotFound(f"合作平台 {code} 没有密钥 {key_id} (no such key)")
    if key.retired_at is None:
        key.retired_at = clock.now()
        audit(session, caller, "key_retired", partner=code, key_id=key_id, detail={"reason": reason})
    await session.flush()
    return out(partner, await repository.keys_of(session, code))


async def set_status(session: AsyncSession, code: str, status: str, reason: str, caller: Caller) -> PartnerOut:
    partner = await partner_of(session, code, for_update=True)
    if partner.status != status:
        partner.status = status
        partner.updated_at = clock.now()
        audit(session, caller, "partner_suspended" if status == "suspended" else "partner_resumed", partner=code,
              detail={"reason": reason})
    await session.flush()
    return out(partner, await repository.keys_of(session, code))


async def create_own_key(session: AsyncSession, province: str, caller: Caller, cipher: FieldCipher) -> OwnKey:
    """A new signing key, `pending` until activated: hand its public half to every partner first."""
    private, public = httpsig.generate_keypair()
    key_id = f"{province}-{clock.today():%Y%m%d}-{secrets.token_hex(3)}"
    key = OwnKey(key_id=key_id, private_key_encrypted=cipher.encrypt(private, context=OWN_KEY_CONTEXT),
                 public_key_pem=public, status="pending")
    session.add(key)
    await session.flush()
    await session.refresh(key)
    audit(session, caller, "own_key_created", key_id=key_id)
    return key


async def activate_own_key(session: AsyncSession, key_id: str, caller: Caller) -> OwnKey:
    key = await session.get(OwnKey, key_id, with_for_update=True)
    if key is None:
        raise NotFound(f"没有本方密钥 {key_id} (no such own key)")
    if key.status == "retired":
        raise Conflict("已停用的密钥不能再启用 (a retired key is not activated again)")
    if key.status == "active":
        return key
    previous = await repository.active_own_key(session)
    if previous is not None:
        previous.status = "retired"
    key.status, key.activated_at = "active", clock.now()
    audit(session, caller, "own_key_activated", key_id=key_id,
          detail={"replaces": previous.key_id if previous else None})
    await session.flush()
    return key


def own_key_out(key: OwnKey) -> OwnKeyOut:
    return OwnKeyOut.model_validate(key)
