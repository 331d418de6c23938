"""Upload rules at the API: type by bytes, size limit (413, streamed), pixel bomb, EXIF removed."""

from __future__ import annotations

import io
import struct
import zlib

import httpx
import pytest
from PIL import Image

from tests.claims.helpers import claim_body, seed_donor, upload
from tests.support.apps import AppStack


@pytest.fixture
async def draft(stack: AppStack, admin_headers) -> tuple[httpx.AsyncClient, dict[str, str], str]:
    await seed_donor(stack.gateway, admin_headers)
    claim = (await stack.gateway.post("/ops/v1/claims", headers=admin_headers, json=claim_body())).json()
    return stack.gateway, admin_headers, f"/ops/v1/claims/{claim['id']}/documents"


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny file that declares 900 megapixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


async def test_exif_and_gps_are_removed_from_photos(draft) -> None:
    client, headers, path = draft
    original = jpeg_with_gps()
    assert 0x8825 in Image.open(io.BytesIO(original)).getexif()
    response = await upload(client, path, "invoice", headers, original)
    assert response.status_code == 201, response.text
    stored = await client.get(f"{path}/{response.json()['document']['id']}", headers=headers)
    image = Image.open(io.BytesIO(stored.content))
    assert image.size == (40, 30)
    assert 0x8825 not in image.getexif() and len(image.getexif()) == 0


async def test_the_type_is_judged_by_the_bytes_not_the_name(draft) -> None:
    client, headers, path = draft
    fake = await upload(client, path, "invoice", headers, b"MZ\x90\x00 this is an exe", filename="invoice.jpg")
    assert fake.status_code == 415
    assert fake.json()["errors"][0]["field"] == "file"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    real_pdf = await upload(client, path, "fee_list", headers, pdf, filename="scan.png")
    assert real_pdf.status_code == 201
    assert real_pdf.json()["document"]["media_type"] == "application/pdf"


async def test_a_file_over_10_mb_is_a_413(draft) -> None:
    client, headers, path = draft
    too_big = b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024)
    response = await upload(client, path, "invoice", headers, too_big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_decompression_bomb_is_refused(draft) -> None:
    client, headers, path = draft
    response = await upload(client, path, "invoice", headers, png_bomb(), filename="bomb.png")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


async def test_an_unknown_kind_names_the_field(draft) -> None:
    client, headers, path = draft
    response = await upload(client, path, "selfie", headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"
