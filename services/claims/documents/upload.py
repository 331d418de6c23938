"""Streaming multipart parsing for uploads: the file part is counted as it arrives and the
request is refused (413) the moment it passes the limit, without reading the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header

from kit.problems import Problem, Unprocessable
from services.claims.documents.processing import TooLarge

FORM_OVERHEAD = 64 * 1024  # boundaries, headers and the small `kind` field


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


@dataclass
class Upload:
    kind: str
    filename: str | None
    content: bytes


def _header_value(raw: bytes) -> tuple[bytes, dict[bytes, bytes]]:
    return parse_options_header(raw)


async def read_upload(request: Request, max_bytes: int) -> Upload:
    content_type, params = _header_value(request.headers.get("content-type", "").encode())
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise Problem("请以 multipart/form-data 上传 (send multipart/form-data with fields kind and file)",
                      status=415, slug="unsupported-media-type", title="Unsupported media type", field="file")
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes + FORM_OVERHEAD:
        raise TooLarge(f"文件超过 {max_bytes // (1024 * 1024)} MB (file larger than the limit)")

    parts: list[_Part] = []
    current = _Part()
    header_name = bytearray()
    header_value = bytearray()
    headers: dict[bytes, bytes] = {}

    def on_part_begin() -> None:
        nonlocal current
        current = _Part()
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(header_name).lower()] = bytes(header_value)
        header_name.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, disposition = _header_value(headers.get(b"content-disposition", b""))
        current.name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        current.filename = filename.decode("utf-8", "replace") if filename is not None else None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current.data.extend(data[start:end])
        limit = max_bytes if current.filename is not None else 1024
        if len(current.data) > limit:
            raise TooLarge(f"文件超过 {max_bytes // (1024 * 1024)} MB (file larger than the limit)")

    def on_part_end() -> None:
        parts.append(current)

    parser = MultipartParser(params[b"boundary"], callbacks={
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    stream: AsyncIterator[bytes] = request.stream()
    async for chunk in stream:  # TooLarge stops reading here; the rest is never read
        parser.write(chunk)
    parser.finalize()

    by_name = {p.name: p for p in parts}
    if "file" not in by_name or by_name["file"].filename is None:
        raise Unprocessable("缺少文件 (missing the file field)", field="file")
    if "kind" not in by_name:
        raise Unprocessable("缺少材料类型 (missing the kind field)", field="kind")
    return Upload(kind=by_name["kind"].data.decode("utf-8", "replace").strip(), filename=by_name["file"].filename,
                  content=bytes(by_name["file"].data))
