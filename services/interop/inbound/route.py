"""The partner API's route class: every `/interop/v1` route admits the message (signature,
window, nonce, addressing), answers a repeated message id with its first answer, signs the
reply (naming the request's digest) and writes both to the evidence log."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute

from kit.problems import Problem, problem_response
from services.interop.evidence import service as evidence
from services.interop.inbound import gate, replies
from services.interop.signatures import httpsig, keys

Handler = Callable[[Request], Awaitable[Response]]


async def _run(original: Handler, request: Request) -> Response:
    """The route itself; its errors become the responses the app's handlers would give."""
    try:
        return await original(request)
    except Exception as exc:
        handlers: dict[Any, Any] = request.app.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                return await handlers[cls](request, exc)  # type: ignore[no-any-return]
        raise


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise gate.Refused(413, "too-large", f"消息超过 {limit // (1024 * 1024)} MB (message too large)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise gate.Refused(413, "too-large", f"消息超过 {limit // (1024 * 1024)} MB (message too large)")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # the route reads it again (Starlette caches the body here)
    return body


def _problem(exc: Problem, path: str) -> replies.StoredReply:
    response = problem_response(exc.status, exc.title, slug=exc.slug, detail=exc.detail, errors=exc.errors,
                                instance=path, **exc.extra)
    return replies.StoredReply(exc.status, response.media_type or "application/problem+json", bytes(response.body))


async def signed_exchange(request: Request, original: Handler) -> Response:
    state = request.app.state
    settings = state.settings
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = f"?{request.url.query}" if request.url.query else ""
    # The target URI as the partner sent it (percent-encoded, as the gateway passes it on).
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    target = settings.public_base_url.rstrip("/") + raw_path.decode("latin-1") + query
    request_view = httpsig.RequestView(request.method, target, headers)
    partner: str | None = None
    body = b""
    outcome, detail = "accepted", None
    extra_headers: dict[str, str] = {}
    try:
        body = await _read_body(request, settings.max_message_bytes)
        gate.check_gateway(headers, state.identity_verifier)
        admitted = await gate.admit(state.sessionmaker, headers, body, method=request.method, target_uri=target,
                                    own_provinces=settings.provinces, window_s=settings.signature_window_s)
        partner = admitted.partner_code
        reply = await replies.begin(state.sessionmaker, partner, admitted.message_id, method=request.method,
                                    path=request.url.path + query, digest=headers.get("content-digest", ""))
        if reply is not None:
            outcome = "repeated"
        else:
            request.state.admitted = admitted
            response = await _run(original, request)
            reply = replies.StoredReply(response.status_code, response.headers.get("content-type", "application/json"),
                                        bytes(response.body))
            extra_headers = {k: v for k, v in response.headers.items() if k.lower() in ("retry-after", "location")}
            await replies.finish(state.sessionmaker, partner, admitted.message_id, reply)
    except gate.Refused as exc:
        outcome, detail = f"refused:{exc.reason}", exc.detail
        partner = exc.partner or partner
        reply = _problem(exc, request.url.path)
        extra_headers = dict(exc.headers)
    except Problem as exc:
        outcome, detail = f"refused:{exc.extra.get('reason', exc.slug)}", exc.detail
        reply = _problem(exc, request.url.path)
        extra_headers = dict(exc.headers)
    reply_headers = {"Content-Type": reply.content_type, httpsig.MESSAGE_ID: str(uuid.uuid4()), **extra_headers}
    async with state.sessionmaker() as session:
        signing = await keys.signing_key(session, state.cipher)
    if signing is not None:
        reply_headers = httpsig.sign_reply(reply.status, reply_headers, reply.body, request_view,
                                           key_id=signing.key_id, private_key=signing.private_key)
    await evidence.record(
        state.sessionmaker, state.cipher,
        evidence.Message("in", "request", partner, headers, body, outcome, method=request.method, target_uri=target,
                         detail=detail),
        evidence.Message("out", "reply", partner, reply_headers, reply.body, "answered", status=reply.status,
                         in_reply_to=headers.get("interop-message-id"), request_digest=headers.get("content-digest")),
    )
    return Response(reply.body, status_code=reply.status, headers=reply_headers)


class SignedRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await signed_exchange(request, original)

        return handler


def admitted(request: Request) -> gate.Admitted:
    return request.state.admitted  # type: ignore[no-any-return]


AdmittedDep = Annotated[gate.Admitted, Depends(admitted)]
