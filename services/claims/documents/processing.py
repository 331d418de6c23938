"""Untrusted upload bytes in, a clean document or a ``DocumentRejected`` out.

The checks run cheapest first: a size cap while the bytes stream in, the type from magic bytes
(the file name and the client's Content-Type are never trusted), then a pixel cap read from the
image header before anything is decoded. Images are decoded and re-encoded, which drops EXIF
(GPS, device serials), XMP and comments; PDFs are kept byte for byte after a sanity check.

No storage, no framework: the endpoint turns ``DocumentRejected.status``/``code``/``detail`` into
problem+json.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import ClassVar, Final, Literal

from PIL import Image, ImageOps

MediaType = Literal["image/jpeg", "image/png", "application/pdf"]

MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024  # DOMAIN.md 7: <= 10 MB per file
MAX_PIXELS: Final = 40_000_000  # a 40 MP phone photo decodes to 160 MB of RGBA at most
JPEG_QUALITY: Final = 85
# PDF readers look for the end-of-file marker in the last 1024 bytes; so do we.
_PDF_EOF_WINDOW: Final = 1024

_JPEG_MAGIC: Final = b"\xff\xd8\xff"
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_PDF_MAGIC: Final = b"%PDF-"

# Pillow plugins allowed to parse each type, and the formats they may report. Restricting the
# plugins keeps Pillow's other, less-hardened parsers away from hostile bytes. Phones save
# multi-picture JPEGs, which the JPEG plugin opens as "MPO"; the first picture is the photo.
_DECODERS: Final[dict[str, tuple[list[str], frozenset[str]]]] = {
    "image/jpeg": (["JPEG"], frozenset({"JPEG", "MPO"})),
    "image/png": (["PNG"], frozenset({"PNG"})),
}
# Everything else in ``Image.info`` (exif, xmp, comment, text chunks, dpi...) is dropped on
# purpose: a whitelist cannot leak a metadata field that a future Pillow starts carrying over.
_KEPT_INFO: Final = ("icc_profile", "transparency")


class DocumentRejected(Exception):
    """An upload refused; ``detail`` is Chinese then English, ``status`` the HTTP status."""

    status: ClassVar[int] = 422
    code: ClassVar[str] = "document_rejected"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TooLarge(DocumentRejected):
    status = 413
    code = "too_large"


class UnsupportedType(DocumentRejected):
    status = 415
    code = "unsupported_type"


class CorruptFile(DocumentRejected):
    code = "corrupt_file"


class ImageTooLarge(DocumentRejected):
    code = "image_too_large"


@dataclass(frozen=True, slots=True)
class ProcessedDocument:
    """The bytes to store; ``sha256`` is the hex digest of ``data`` (not of the upload)."""

    data: bytes = field(repr=False)  # up to 10 MB: never in a log line
    media_type: MediaType
    sha256: str
    width: int | None
    height: int | None


async def read_limited(stream: AsyncIterator[bytes], limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """Collect ``stream``, raising ``TooLarge`` at the first chunk that passes ``limit``.

    The rest of the stream is left unread, so an oversized upload costs at most one chunk more
    than the limit. The stream belongs to the caller, who closes it.
    """
    chunks: list[bytes] = []
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise TooLarge(
                f"文件超过 {_megabytes(limit)} 上限 / the file is larger than {_megabytes(limit)}"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def sniff(data: bytes) -> MediaType:
    """The media type by magic bytes alone; anything but JPEG, PNG or PDF is ``UnsupportedType``."""
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data.startswith(_PDF_MAGIC):
        return "application/pdf"
    raise UnsupportedType("仅支持 JPEG、PNG 或 PDF 文件 / only JPEG, PNG or PDF files are accepted")


def normalise(
    data: bytes, media_type: MediaType, *, max_pixels: int = MAX_PIXELS
) -> ProcessedDocument:
    """Re-encode an image without metadata, or sanity-check a PDF. CPU-bound: run in a thread.

    ``media_type`` must come from ``sniff``; bytes that do not decode as that type are
    ``CorruptFile``. An image over ``max_pixels`` is ``ImageTooLarge`` before it is decoded.
    """
    if media_type == "application/pdf":
        _check_pdf(data)
        return ProcessedDocument(data, media_type, hashlib.sha256(data).hexdigest(), None, None)
    clean, width, height = _reencode(data, media_type, max_pixels)
    return ProcessedDocument(clean, media_type, hashlib.sha256(clean).hexdigest(), width, height)


async def process_upload(
    stream: AsyncIterator[bytes],
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> ProcessedDocument:
    """Read, sniff and normalise one upload; the decoding runs off the event loop."""
    data = await read_limited(stream, max_bytes)
    media_type = sniff(data)
    return await asyncio.to_thread(normalise, data, media_type, max_pixels=max_pixels)


def _check_pdf(data: bytes) -> None:
    if not data.startswith(_PDF_MAGIC) or b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise CorruptFile("PDF 文件不完整或已损坏 / the PDF is truncated or damaged")


def _reencode(data: bytes, media_type: MediaType, max_pixels: int) -> tuple[bytes, int, int]:
    plugins, formats = _DECODERS[media_type]
    try:
        # Image.open parses the header only; nothing is decoded until load().
        with Image.open(io.BytesIO(data), formats=plugins) as image:
            if image.format not in formats:
                raise CorruptFile(_undecodable(media_type))
            width, height = image.size
            # Our own cap, checked before load(): Image.MAX_IMAGE_PIXELS is process-global and
            # any code may raise it or set it to None.
            if width * height > max_pixels:
                raise ImageTooLarge(_too_many_pixels(width, height, max_pixels))
            upright = ImageOps.exif_transpose(image)  # decodes; orientation baked into pixels
            return _encode(upright, media_type), upright.width, upright.height
    except DocumentRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's global check fired first (the warning arrives as an exception only where
        # warnings are errors; it is not escalated here because warning filters are process-wide
        # and this runs in worker threads). Either way the image is too large.
        raise ImageTooLarge(_too_many_pixels(0, 0, max_pixels)) from exc
    except Exception as exc:
        # Pillow's parsers answer hostile bytes with many exception types (OSError,
        # SyntaxError, ValueError, EOFError, struct.error, IndexError...): all mean the same.
        raise CorruptFile(_undecodable(media_type)) from exc


def _encode(image: Image.Image, media_type: MediaType) -> bytes:
    image.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    out = io.BytesIO()
    if media_type == "image/jpeg":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _undecodable(media_type: MediaType) -> str:
    kind = "JPEG" if media_type == "image/jpeg" else "PNG"
    return f"{kind} 图片无法解码或已损坏 / the {kind} image cannot be decoded"


def _too_many_pixels(width: int, height: int, max_pixels: int) -> str:
    size = f" {width}x{height}" if width and height else ""
    return (
        f"图片{size}超过 {max_pixels / 10_000:g} 万像素上限 / "
        f"the image{size} has more than {max_pixels / 1_000_000:g} megapixels"
    )


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"
