"""Upload processing: size cap while streaming, magic-byte sniffing, clean re-encoding."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from services.claims.documents.processing import (
    MAX_UPLOAD_BYTES,
    CorruptFile,
    DocumentRejected,
    ImageTooLarge,
    TooLarge,
    UnsupportedType,
    normalise,
    process_upload,
    read_limited,
    sniff,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)
MIB = 1024 * 1024
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


async def chunks_of(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def photo_with_gps() -> bytes:
    """A 40x20 JPEG, left half red, right half blue, that a phone held upright would store
    sideways: EXIF orientation 6 (display rotated 90 degrees clockwise), GPS, XMP, a comment."""
    image = Image.new("RGB", (40, 20), BLUE)
    image.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 54.0, 27.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 23.0, 17.0),
    }
    out = io.BytesIO()
    xmp = b"<x:xmpmeta>gps</x:xmpmeta>"
    image.save(out, "JPEG", quality=95, exif=exif, comment=b"home address", xmp=xmp)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG declaring width x height pixels of black.

    Built by hand with a streaming compressor: Pillow itself keeps 1-bit images at one byte per
    pixel, so making a 400-megapixel image with Pillow would allocate the very bomb under test.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then zero bits
    compressor = zlib.compressobj(9)
    rows_per_block = 1000
    idat = (
        b"".join(
            compressor.compress(row * min(rows_per_block, height - start))
            for start in range(0, height, rows_per_block)
        )
        + compressor.flush()
    )
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


# --- read_limited -----------------------------------------------------------------------------


async def test_stream_over_the_limit_raises_without_reading_the_rest() -> None:
    served: list[int] = []

    async def upload() -> AsyncGenerator[bytes, None]:
        for _ in range(10):
            served.append(MIB)
            yield bytes(MIB)
        served.append(1)
        yield b"x"  # byte 10 MiB + 1: the limit is passed here
        raise AssertionError("read past the chunk that crossed the limit")
        yield bytes(5 * MIB)  # the rest of a large upload, never to be read

    stream = upload()
    with pytest.raises(TooLarge) as refused:
        await read_limited(stream)
    await stream.aclose()
    assert sum(served) == MAX_UPLOAD_BYTES + 1
    assert refused.value.status == 413
    assert "10 MB" in refused.value.detail


async def test_stream_exactly_at_the_limit_is_accepted() -> None:
    assert await read_limited(chunks_of(b"12345", b"", b"67890"), limit=10) == b"1234567890"


async def test_one_byte_over_a_small_limit_is_refused() -> None:
    with pytest.raises(TooLarge):
        await read_limited(chunks_of(b"12345", b"67890"), limit=9)


# --- sniff ------------------------------------------------------------------------------------


def test_sniff_by_magic_bytes() -> None:
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert sniff(MINIMAL_PDF) == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xd8", b"GIF89a....", b"PK\x03\x04 (a zip or docx)", b"\x89PNG\r\n", b" %PDF-1.4"],
)
def test_sniff_refuses_everything_else(data: bytes) -> None:
    with pytest.raises(UnsupportedType) as refused:
        sniff(data)
    assert refused.value.status == 415


async def test_text_file_named_jpg_is_refused_as_unsupported(tmp_path: Path) -> None:
    named_like_a_photo = tmp_path / "photo.jpg"
    named_like_a_photo.write_text("这不是图片 / not a picture\n", encoding="utf-8")
    with pytest.raises(UnsupportedType) as refused:
        await process_upload(chunks_of(named_like_a_photo.read_bytes()))
    assert refused.value.status == 415
    assert "JPEG" in refused.value.detail and "仅支持" in refused.value.detail


def test_jpeg_named_pdf_is_sniffed_as_jpeg(tmp_path: Path) -> None:
    named_like_a_pdf = tmp_path / "scan.pdf"
    named_like_a_pdf.write_bytes(photo_with_gps())
    assert sniff(named_like_a_pdf.read_bytes()) == "image/jpeg"


# --- images -----------------------------------------------------------------------------------


def test_jpeg_comes_back_without_exif_gps_xmp_or_comment() -> None:
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # premise

    result = normalise(original, "image/jpeg")

    cleaned = Image.open(io.BytesIO(result.data))
    assert cleaned.format == "JPEG"
    exif = cleaned.getexif()
    assert len(exif) == 0
    assert ExifTags.IFD.GPSInfo not in exif
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert not {"exif", "xmp", "comment"} & cleaned.info.keys()
    assert b"Exif\x00\x00" not in result.data
    assert b"home address" not in result.data and b"xmpmeta" not in result.data


def test_jpeg_orientation_is_applied_to_the_pixels() -> None:
    result = normalise(photo_with_gps(), "image/jpeg")

    # Rotated 90 degrees clockwise: 20 wide, 40 high, the left (red) half now on top.
    assert (result.width, result.height) == (20, 40)
    cleaned = Image.open(io.BytesIO(result.data)).convert("RGB")
    assert cleaned.size == (20, 40)
    top, bottom = cleaned.getpixel((10, 5)), cleaned.getpixel((10, 35))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_processed_document_hash_is_of_the_cleaned_bytes() -> None:
    original = photo_with_gps()
    result = normalise(original, "image/jpeg")
    assert result.media_type == "image/jpeg"
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    assert result.sha256 != hashlib.sha256(original).hexdigest()
    assert "data=" not in repr(result)


def test_png_passes_pixel_for_pixel_without_text_or_exif() -> None:
    image = Image.new("RGBA", (30, 10))
    image.putdata([(x * 8, y * 25, 100, 255 - x) for y in range(10) for x in range(30)])
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "phone"
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "39.9N 116.4E")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=text, exif=exif)

    result = normalise(out.getvalue(), "image/png")

    cleaned = Image.open(io.BytesIO(result.data))
    assert cleaned.format == "PNG"
    assert (result.width, result.height) == (30, 10)
    assert cleaned.convert("RGBA").tobytes() == image.tobytes()
    assert len(cleaned.getexif()) == 0
    assert "Comment" not in cleaned.info
    assert b"116.4E" not in result.data


def test_palette_png_keeps_its_transparency() -> None:
    image = Image.new("P", (4, 4), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    image.putpixel((1, 1), 1)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)

    cleaned = Image.open(io.BytesIO(normalise(out.getvalue(), "image/png").data))

    assert cleaned.info["transparency"] == 0
    rgba = cleaned.convert("RGBA")
    assert rgba.getpixel((0, 0)) == (255, 255, 255, 0)
    assert rgba.getpixel((1, 1)) == (200, 0, 0, 255)


def test_multi_picture_jpeg_from_a_phone_becomes_a_plain_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGB", (16, 8), RED).save(
        out, "MPO", save_all=True, append_images=[Image.new("RGB", (16, 8), BLUE)]
    )
    result = normalise(out.getvalue(), "image/jpeg")
    cleaned = Image.open(io.BytesIO(result.data))
    assert cleaned.format == "JPEG"
    assert (result.width, result.height) == (16, 8)


def test_decompression_bomb_is_refused_as_image_too_large() -> None:
    bomb = png_bomb(20_000, 20_000)
    assert len(bomb) < 200_000  # premise: tiny on the wire, 400 megapixels declared

    with pytest.raises(ImageTooLarge) as refused:
        normalise(bomb, "image/png")
    assert refused.value.status == 422


def test_bomb_is_refused_from_the_header_even_without_pillows_global_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = png_bomb(20_000, 20_000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert Image.open(io.BytesIO(bomb)).size == (20_000, 20_000)  # premise: a real header

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded before its size was checked")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ImageTooLarge) as refused:
        normalise(bomb, "image/png")
    assert "20000x20000" in refused.value.detail


def test_pixel_limit_is_local_to_the_call() -> None:
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, "PNG")
    with pytest.raises(ImageTooLarge):
        normalise(out.getvalue(), "image/png", max_pixels=9_999)
    assert normalise(out.getvalue(), "image/png", max_pixels=10_000).width == 100


def test_jpeg_magic_followed_by_garbage_is_corrupt() -> None:
    with pytest.raises(CorruptFile) as refused:
        normalise(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "image/jpeg")
    assert refused.value.status == 422


def test_truncated_jpeg_is_corrupt() -> None:
    out = io.BytesIO()
    Image.effect_noise((64, 64), 50).convert("RGB").save(out, "JPEG")
    with pytest.raises(CorruptFile):
        normalise(out.getvalue()[: len(out.getvalue()) // 2], "image/jpeg")


def test_bytes_that_are_not_the_claimed_type_are_corrupt() -> None:
    with pytest.raises(CorruptFile):
        normalise(photo_with_gps(), "image/png")


# --- PDFs -------------------------------------------------------------------------------------


def test_pdf_passes_byte_identical() -> None:
    result = normalise(MINIMAL_PDF, "application/pdf")
    assert result.data == MINIMAL_PDF
    assert result.media_type == "application/pdf"
    assert result.sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert (result.width, result.height) == (None, None)


@pytest.mark.parametrize(
    "data",
    [
        MINIMAL_PDF[: MINIMAL_PDF.index(b"%%EOF")],  # truncated upload
        MINIMAL_PDF + bytes(2048),  # end marker buried far from the end
        b"%PDF-1.4\n",
    ],
)
def test_pdf_without_end_marker_near_the_end_is_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptFile):
        normalise(data, "application/pdf")


# --- the whole upload -------------------------------------------------------------------------


async def test_process_upload_cleans_a_chunked_photo() -> None:
    original = photo_with_gps()
    result = await process_upload(chunks_of(original[:100], original[100:]))
    assert result.media_type == "image/jpeg"
    assert (result.width, result.height) == (20, 40)
    assert len(Image.open(io.BytesIO(result.data)).getexif()) == 0


async def test_process_upload_applies_its_size_limit_before_sniffing() -> None:
    with pytest.raises(TooLarge):
        await process_upload(chunks_of(b"not even a picture"), max_bytes=5)


def test_every_rejection_is_a_document_rejected_with_its_status() -> None:
    statuses = {cls: cls.status for cls in (TooLarge, UnsupportedType, CorruptFile, ImageTooLarge)}
    assert statuses == {TooLarge: 413, UnsupportedType: 415, CorruptFile: 422, ImageTooLarge: 422}
    assert all(issubclass(cls, DocumentRejected) for cls in statuses)
