"""Content-addressed local storage: round trip, dedupe, atomic 0600 files, no path tricks."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from services.claims.documents.storage import (
    DocumentNotFound,
    DocumentStorage,
    LocalDocumentStorage,
    StoredDocumentCorrupt,
    content_address,
)

INVOICE_SCAN = b"%PDF-1.4\n...invoice 0001...\n%%EOF\n"
DIGEST = hashlib.sha256(INVOICE_SCAN).hexdigest()


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.fixture
def storage(tmp_path: Path) -> LocalDocumentStorage:
    return LocalDocumentStorage(tmp_path / "documents")


def test_local_storage_satisfies_the_protocol(storage: LocalDocumentStorage) -> None:
    typed: DocumentStorage = storage
    assert typed is storage


async def test_round_trip(storage: LocalDocumentStorage) -> None:
    address = await storage.put(INVOICE_SCAN)
    assert address == f"sha256:{DIGEST}" == content_address(INVOICE_SCAN)
    assert await storage.get(address) == INVOICE_SCAN
    assert await storage.exists(address) is True


async def test_file_lives_under_two_levels_of_fan_out(storage: LocalDocumentStorage) -> None:
    await storage.put(INVOICE_SCAN)
    assert files_under(storage.root) == [storage.root / DIGEST[:2] / DIGEST[2:4] / DIGEST]


async def test_file_is_readable_by_the_service_user_only(storage: LocalDocumentStorage) -> None:
    await storage.put(INVOICE_SCAN)
    (path,) = files_under(storage.root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_same_content_is_stored_once(storage: LocalDocumentStorage) -> None:
    first = await storage.put(INVOICE_SCAN)
    second = await storage.put(bytes(INVOICE_SCAN))
    other = await storage.put(INVOICE_SCAN + b"\n")
    assert first == second != other
    assert len(files_under(storage.root)) == 2


async def test_unknown_address_is_not_found(storage: LocalDocumentStorage) -> None:
    absent = "sha256:" + "0" * 64
    assert await storage.exists(absent) is False
    with pytest.raises(DocumentNotFound):
        await storage.get(absent)


async def test_damaged_file_is_reported_not_served(storage: LocalDocumentStorage) -> None:
    address = await storage.put(INVOICE_SCAN)
    (path,) = files_under(storage.root)
    path.write_bytes(b"tampered")
    with pytest.raises(StoredDocumentCorrupt):
        await storage.get(address)


async def test_failed_write_leaves_no_file_at_all(
    storage: LocalDocumentStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        await storage.put(INVOICE_SCAN)
    assert files_under(storage.root) == []
    monkeypatch.undo()
    assert await storage.exists(content_address(INVOICE_SCAN)) is False


@pytest.mark.parametrize(
    "address",
    [
        "sha256:../../../../etc/passwd",
        "sha256:" + DIGEST[:63],
        "sha256:" + DIGEST + "0",
        "sha256:" + DIGEST.upper(),
        "sha256:" + DIGEST + "\n",
        "sha256:" + DIGEST[:62] + "/x",
        "md5:" + DIGEST,
        DIGEST,
        "",
    ],
)
async def test_malformed_address_is_refused(storage: LocalDocumentStorage, address: str) -> None:
    with pytest.raises(ValueError):
        await storage.get(address)
    with pytest.raises(ValueError):
        await storage.exists(address)
