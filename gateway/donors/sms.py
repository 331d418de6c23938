"""The SMS sender adapter. Only the SANDBOX sender exists: it records messages (encrypted phone,
masked copy, text) for tests and the dev panel. A provider's client implements `SmsSender`."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.donors.models import PHONE_CONTEXT, SandboxSms
from kit.crypto import FieldCipher, mask_phone


class SmsSender(Protocol):
    async def send(self, session: AsyncSession, phone: str, text: str) -> None: ...


class SandboxSmsSender:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    async def send(self, session: AsyncSession, phone: str, text: str) -> None:
        session.add(SandboxSms(phone_encrypted=self._cipher.encrypt(phone, context=PHONE_CONTEXT),
                               phone_masked=mask_phone(phone), text=text))
