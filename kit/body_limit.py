"""Request bodies have a size limit in every app (pure ASGI, so nothing buffers before it).

1 MB for any request; 10 MB (plus the multipart framing) on the routes that take uploads: claim
documents and a station's donation export. A declared Content-Length over the limit is refused
at once, before a byte is read; a body sent without one (chunked) is counted as it arrives and
refused as soon as it passes the limit, so the rest is never read. Either way: 413 problem+json.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.problems import problem_response

MB = 1024 * 1024
DEFAULT_LIMIT = 1 * MB
UPLOAD_LIMIT = 10 * MB + 64 * 1024  # one 10 MB file and its form fields
# Upload routes on every surface: /v1/claims/{id}/documents, /ops/v1/claims/{id}/documents, /v1/donations ...
UPLOAD_PATHS = (re.compile(r"/claims/[^/]+/documents$"), re.compile(r"/donations$"))


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int = DEFAULT_LIMIT, upload_limit: int = UPLOAD_LIMIT,
                 upload_paths: Iterable[re.Pattern[str]] = UPLOAD_PATHS) -> None:
        self.app, self.limit, self.upload_limit = app, limit, upload_limit
        self.upload_paths = tuple(upload_paths)

    def limit_for(self, scope: Scope) -> int:
        path = scope.get("path", "")
        return self.upload_limit if any(p.search(path) for p in self.upload_paths) else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        too_large = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # whatever the app answers to the cut-off body, ours goes out instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, "Request too large", slug="too-large", instance=scope.get("path"),
            detail=f"请求体超过 {limit / MB:g} MB (request body larger than {limit / MB:g} MB)",
            headers={"Connection": "close"})
        await response(scope, receive, send)
