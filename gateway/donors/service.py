"""Sign-in and identity binding.

Name + ID number alone never reveal anything: the answer to a bind request is the same whether
or not a record matches, and only the SMS code sent to the phone on the donor's own records
completes the binding.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import ratelimit
from gateway.donors.models import CERT_CONTEXT, BindChallenge, DonorAccount, DonorSession
from gateway.donors.sms import SmsSender
from gateway.settings import GatewaySettings
from kit import clock, http
from kit.crypto import BlindIndex, FieldCipher, mask_cert_number
from kit.identity import HEADER, Caller, IdentitySigner, person_index
from kit.problems import ServiceUnavailable, Unauthorized, Unprocessable

MAX_CODE_ATTEMPTS = 5


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def sign_in(session: AsyncSession, openid: str, settings: GatewaySettings) -> tuple[str, DonorAccount]:
    account = (await session.execute(select(DonorAccount).where(DonorAccount.openid == openid))).scalar_one_or_none()
    if account is None:
        account = DonorAccount(openid=openid)
        session.add(account)
        await session.flush()
    token = secrets.token_urlsafe(32)
    session.add(DonorSession(token_hash=_hash(token), account_id=account.id,
                             expires_at=clock.now() + timedelta(seconds=settings.donor_session_ttl_s)))
    return token, account


async def account_for(session: AsyncSession, token: str) -> tuple[DonorSession, DonorAccount]:
    row = (await session.execute(
        select(DonorSession, DonorAccount).join(DonorAccount, DonorAccount.id == DonorSession.account_id)
        .where(DonorSession.token_hash == _hash(token)))).one_or_none()
    if row is None or row[0].revoked_at is not None or row[0].expires_at <= clock.now():
        raise Unauthorized("登录已失效，请重新登录 (session expired or signed out)")
    return row[0], row[1]


async def sign_out(session: AsyncSession, donor_session: DonorSession) -> None:
    donor_session.revoked_at = clock.now()


async def _contact_phone(client: httpx.AsyncClient, signer: IdentitySigner, cert_type: str, cert_number: str,
                         name: str) -> str | None:
    caller = Caller(subject="gateway", kind="system", roles=["system"], channel="api")
    try:
        response = await http.send(client, "POST", "/v1/donors/contact", headers={HEADER: signer.sign(caller)},
                                   json={"cert_type": cert_type, "cert_number": cert_number, "name": name})
    except httpx.TransportError as exc:
        raise ServiceUnavailable("献血档案服务暂不可用 (registry unavailable)") from exc
    if response.status_code == 200:
        return str(response.json()["phone"])
    if response.status_code in (404, 422):
        return None
    raise ServiceUnavailable("献血档案服务暂不可用 (registry unavailable)")


async def start_binding(session: AsyncSession, account: DonorAccount, *, name: str, cert_type: str,
                        cert_number: str, client: httpx.AsyncClient, signer: IdentitySigner, sms: SmsSender,
                        cipher: FieldCipher, index: BlindIndex, settings: GatewaySettings) -> uuid.UUID:
    await ratelimit.hit(session, f"bind:account:{account.id}", limit=5, window_s=3600)
    await ratelimit.hit(session, f"bind:cert:{index.digest(cert_number, context=CERT_CONTEXT)}", limit=3, window_s=600)
    await session.commit()  # the counts stand even if what follows fails; no transaction over the call
    phone = await _contact_phone(client, signer, cert_type, cert_number, name)
    code = f"{secrets.randbelow(1_000_000):06d}"
    challenge = BindChallenge(
        account_id=account.id, cert_type=cert_type, cert_encrypted=cipher.encrypt(cert_number, context=CERT_CONTEXT),
        name=name, code_hash=_hash(f"{account.id}:{code}") if phone else None,
        expires_at=clock.now() + timedelta(seconds=settings.sms_code_ttl_s),
    )
    session.add(challenge)
    await session.commit()  # the challenge stands before the provider is asked; no transaction over the call
    if phone:
        # The provider fills its registered template; the text and the code are stored nowhere here.
        await sms.send_code(phone, code, settings.sms_code_ttl_s // 60)
    return challenge.id


async def verify_binding(session: AsyncSession, account: DonorAccount, challenge_id: uuid.UUID, code: str,
                         cipher: FieldCipher, index: BlindIndex) -> DonorAccount:
    challenge = await session.get(BindChallenge, challenge_id, with_for_update=True)
    wrong = Unprocessable("验证码错误或已失效 (the code is wrong or expired)", field="code")
    if (challenge is None or challenge.account_id != account.id or challenge.used_at is not None
            or challenge.expires_at <= clock.now() or challenge.attempts >= MAX_CODE_ATTEMPTS):
        raise wrong
    challenge.attempts += 1
    if challenge.code_hash is None or not hmac.compare_digest(challenge.code_hash, _hash(f"{account.id}:{code}")):
        await session.commit()  # the failed attempt counts
        raise wrong
    challenge.used_at = clock.now()
    cert_number = cipher.decrypt(challenge.cert_encrypted, context=CERT_CONTEXT)
    account.cert_type, account.cert_encrypted = challenge.cert_type, challenge.cert_encrypted
    account.cert_index = index.digest(cert_number, context=CERT_CONTEXT)
    account.cert_masked, account.name = mask_cert_number(cert_number), challenge.name
    account.bound_at = clock.now()
    return account


def caller_for(account: DonorAccount, cipher: FieldCipher, persons: BlindIndex) -> Caller:
    """The donor as services see them: the bound certificate as the platform's person index only."""
    if account.bound_at is None or account.cert_encrypted is None or account.cert_type is None:
        raise Unauthorized("请先完成献血者身份绑定 (bind your identity first)")
    cert_number = cipher.decrypt(account.cert_encrypted, context=CERT_CONTEXT)
    return Caller(subject=f"acct:{account.id}", kind="donor", roles=[], channel="api", cert_type=account.cert_type,
                  cert_index=person_index(persons, account.cert_type, cert_number))
