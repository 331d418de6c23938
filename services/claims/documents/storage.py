"""Content-addressed storage for claim documents.

A document's address is ``sha256:<64 lowercase hex>`` of its (already cleaned) bytes, so the
same file uploaded twice is stored once, an address can never point at other bytes, and the
address is the only name a caller gives: it is validated before it touches a path.

How an S3-compatible store (MinIO, OSS, COS, OBS) implements the same Protocol:

- key ``ab/cd/<hex>`` in one private bucket (no public ACL, no public policy), with server-side
  encryption under a KMS key: the documents are sensitive personal information (DOMAIN.md 11).
- ``put``: ``PutObject`` with ``ChecksumSHA256`` set (the store refuses bytes that arrive
  damaged) and ``If-None-Match: *`` so a second writer of the same content gets 412, which
  means "already stored" and returns the address. A PUT becomes visible only once complete, so
  no temp-file dance is needed.
- ``get``: ``GetObject``; ``NoSuchKey`` becomes ``DocumentNotFound``; the digest is re-checked.
- ``exists``: ``HeadObject``; 404 is ``False``.
- Retention through bucket versioning or Object Lock rather than application deletes; an async
  client (aiobotocore, or httpx with SigV4) with explicit timeouts and the kit's retry policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Final, Protocol

_ADDRESS: Final = re.compile(r"sha256:([0-9a-f]{64})")
_FILE_MODE: Final = 0o600
_DIR_MODE: Final = 0o700


class DocumentNotFound(LookupError):
    """No document is stored at this address."""


class StoredDocumentCorrupt(RuntimeError):
    """The stored bytes no longer hash to their address (disk or operator damage)."""


class DocumentStorage(Protocol):
    async def put(self, data: bytes) -> str:
        """Store ``data`` (idempotent) and return its address ``sha256:<hex>``."""
        ...

    async def get(self, address: str) -> bytes:
        """The bytes at ``address``; ``DocumentNotFound`` if absent, ``ValueError`` if malformed."""
        ...

    async def exists(self, address: str) -> bool:
        """Whether ``address`` is stored; ``ValueError`` if malformed."""
        ...


def content_address(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_address(address: str) -> str:
    """The hex digest of a well-formed address; anything else (``..``, ``/``, upper case,
    a trailing newline) is ``ValueError`` so that no caller-supplied text reaches a path."""
    match = _ADDRESS.fullmatch(address)
    if match is None:
        raise ValueError(f"not a document address (sha256:<64 lowercase hex>): {address!r}")
    return match.group(1)


class LocalDocumentStorage:
    """Files under ``root/ab/cd/<hex>``, mode 0600, written atomically.

    Each file is written to a temp file in its final directory, flushed to disk, then
    ``os.replace``-d into place, so a crash leaves either the whole file or none under the
    final name. Two concurrent puts of the same content both replace with identical bytes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, data: bytes) -> str:
        address = content_address(data)
        await asyncio.to_thread(self._write, self._path(parse_address(address)), data)
        return address

    async def get(self, address: str) -> bytes:
        digest = parse_address(address)
        path = self._path(digest)
        try:
            data = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise DocumentNotFound(address) from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise StoredDocumentCorrupt(address)
        return data

    async def exists(self, address: str) -> bool:
        return await asyncio.to_thread(self._path(parse_address(address)).is_file)

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.is_file():
            return  # content-addressed: the same name always holds the same bytes
        path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        # mkstemp creates the file 0600 whatever the umask.
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
                temp.flush()
                os.fsync(temp.fileno())
            os.chmod(temp_name, _FILE_MODE)
            os.replace(temp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable: without it a power cut can forget the new name.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
