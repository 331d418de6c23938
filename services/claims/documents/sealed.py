"""Claim documents encrypted at rest (DOMAIN.md 11): ID and bank-card photos are sensitive
personal information, so the store only ever holds AES-256-GCM ciphertext under the claims
service's field keys (kit.crypto, with key ids for rotation). The address is the hash of that
ciphertext: nothing derived from the photo itself is kept anywhere."""

from __future__ import annotations

import asyncio

from kit.crypto import FieldCipher
from services.claims.documents.storage import DocumentStorage

CONTEXT = "claims.documents.file"


class SealedDocuments:
    def __init__(self, storage: DocumentStorage, cipher: FieldCipher) -> None:
        self._storage, self._cipher = storage, cipher

    async def put(self, data: bytes) -> str:
        sealed = await asyncio.to_thread(self._cipher.encrypt_bytes, data, context=CONTEXT)
        return await self._storage.put(sealed)

    async def get(self, address: str) -> bytes:
        sealed = await self._storage.get(address)
        return await asyncio.to_thread(self._cipher.decrypt_bytes, sealed, context=CONTEXT)
