"""Idempotency-Key, the way Stripe does it, for every request that creates or changes something.

A POST, PUT, PATCH or DELETE with an ``Idempotency-Key`` header runs once per (caller, key):

- the first request runs and its response (status, headers, body) is stored before it is sent;
- the same key with the same request (method, path, query, body) gets that response again,
  marked ``Idempotent-Replayed: true``, and nothing runs again;
- the same key with another request is a 422 naming ``Idempotency-Key``;
- while the first is still running, a second waits a little for its answer, then gets a 409 with
  ``Retry-After``; two identical requests sent at once therefore have one effect;
- a 5xx is not kept (a 503 means "try again"), unless the handler's transaction had committed;
- keys are kept for ``idempotency_ttl_s`` (48 h by default; at least the 24 h clients may rely on).

One implementation, in each app's own schema (a service's table is its own): the middleware runs
in every service and in the gateway (for the routes the gateway answers itself). The gateway
passes the client's key on, so the service that acts holds the record, in the same database as
its effect: ``kit.db.request_session`` marks the key "executed" inside the handler's own
transaction, so after a crash a key whose effect never committed runs again, and one whose effect
did commit is never run twice. A process that dies mid-request leaves a lease that lapses
(``idempotency_lease_s``, renewed while the request runs), after which a retry takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import re
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit import clock
from kit.identity import HEADER as CALLER_HEADER
from kit.problems import FieldError, Problem, is_unavailable, problem_response

log = structlog.get_logger(__name__)
HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Not kept with a stored response: the replay has its own request id, length and date.
_NOT_STORED = {"x-request-id", "content-length", "date", "server", "connection", "transfer-encoding"}
_MAX_STORED_BODY = 1024 * 1024

_running: ContextVar[tuple[str, uuid.UUID] | None] = ContextVar("idempotency_running", default=None)


def table(metadata: MetaData) -> Table:
    """The store, in the schema of the metadata's app."""
    return Table(
        "idempotency_keys", metadata,
        Column("key_hash", String(64), primary_key=True),  # sha256 of (caller, key)
        Column("fingerprint", String(64), nullable=False),  # sha256 of (method, path, query, body)
        Column("state", String(16), nullable=False),  # running, done
        Column("owner", Uuid(), nullable=False),  # the attempt running it now
        Column("executed", Boolean(), nullable=False, server_default=false()),  # its transaction committed
        Column("locked_until", DateTime(timezone=True), nullable=False),
        Column("status_code", Integer()),
        Column("headers", JSONB()),
        Column("body", LargeBinary()),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
        CheckConstraint("state IN ('running', 'done')", name="state"),
    )


async def mark_executed(session: AsyncSession) -> None:
    """Called by the request session just before it commits: the key's effect and this mark are
    one transaction, so a crash can never leave an effect whose key would run it again."""
    running = _running.get()
    if running is not None:
        await session.execute(text("UPDATE idempotency_keys SET executed = true WHERE key_hash = :k AND owner = :o"),
                              {"k": running[0], "o": running[1]})


@dataclass(frozen=True)
class Policy:
    ttl_s: float = 48 * 3600
    lease_s: float = 15.0
    wait_s: float = 5.0


def fingerprint(method: str, path: str, query: bytes, content_type: str, body: bytes) -> str:
    """What makes two requests "the same": JSON compared as data (key order and spacing do not
    matter), a multipart form without its random boundary."""
    if content_type.startswith("application/json"):
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    elif content_type.startswith("multipart/") and "boundary=" in content_type:
        boundary = content_type.split("boundary=", 1)[1].split(";")[0].strip().strip('"')
        body = body.replace(boundary.encode(), b"BOUNDARY")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Pure ASGI. `caller_scope` names whose keys these are (a verified caller), or None to leave
    the request alone (no one to scope it to: the handler refuses it anyway); `skip` exempts paths
    that keep their own keyed semantics."""

    def __init__(self, app: ASGIApp, *, caller_scope: Callable[[Scope, Headers], str | None],
                 skip: Callable[[str], bool] = lambda _path: False) -> None:
        self.app, self.caller_scope, self.skip = app, caller_scope, skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if headers is None or scope["method"] not in CHANGING or HEADER not in headers or self.skip(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = headers[HEADER]
        if not _KEY.match(key):
            await _problem(scope, send, 422, "Idempotency-Key 须为1-255个可见ASCII字符 (1-255 printable characters)",
                           field="Idempotency-Key")
            return
        body, receive = await _buffered(receive)
        owner_scope = self.caller_scope(scope, headers)
        if owner_scope is None:
            await self.app(scope, receive, send)
            return
        key_hash = hashlib.sha256(f"{owner_scope}\x00{key}".encode()).hexdigest()
        print_ = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""),
                             headers.get("content-type", ""), body)
        app_state = scope["app"].state
        store = _Store(app_state.engine, _policy(app_state))
        try:
            verdict = await store.begin(key_hash, print_)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            await _problem(scope, send, 503, "暂时无法处理，请稍后重试 (the database is not reachable; retry)",
                           headers={"Retry-After": "2"}, slug="unavailable", title="Temporarily unavailable")
            return
        if isinstance(verdict, _Stored):
            await _send_stored(send, verdict)
            return
        if isinstance(verdict, _Refusal):
            await _problem(scope, send, verdict.status, verdict.detail, field="Idempotency-Key",
                           headers=verdict.headers, slug=verdict.slug, title=verdict.title)
            return
        await self._run(scope, receive, send, store, key_hash, verdict)

    async def _run(self, scope: Scope, receive: Receive, send: Send, store: _Store, key_hash: str,
                   owner: uuid.UUID) -> None:
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        token = _running.set((key_hash, owner))
        heartbeat = asyncio.create_task(store.heartbeat(key_hash, owner))
        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await _settle(lambda: store.abandon(key_hash, owner))
            raise
        finally:
            heartbeat.cancel()
            _running.reset(token)
        status, body = captured["status"], bytes(captured["body"])
        kept = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in captured["headers"]
                if k.decode("latin-1").lower() not in _NOT_STORED]
        # Stored before it is sent: a client never acts on an answer a retry would not get again.
        await _settle(lambda: store.finish(key_hash, owner, status, kept, body))
        await send({"type": "http.response.start", "status": status, "headers": captured["headers"]})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class _Stored:
    status: int
    headers: list[list[str]]
    body: bytes


@dataclass(frozen=True)
class _Refusal:
    status: int
    slug: str
    title: str
    detail: str
    headers: dict[str, str]


_MISMATCH = _Refusal(422, "idempotency-key-reused", "Idempotency-Key reused",
                     "该 Idempotency-Key 已用于另一个请求 (this key was used with a different request)", {})
_BUSY = _Refusal(409, "idempotency-key-in-use", "Request in progress",
                 "同一 Idempotency-Key 的请求正在处理，请稍后重试 (a request with this key is still running; retry)",
                 {"Retry-After": "1"})
_UNKNOWN = _Refusal(409, "idempotency-outcome-unknown", "Outcome not recorded",
                    "该请求已执行但未能保存应答，请查询结果而勿重复提交 (it ran, but its answer was lost: look the "
                    "result up instead of sending it again)", {})


class _Store:
    def __init__(self, engine: AsyncEngine, policy: Policy) -> None:
        self.engine, self.policy = engine, policy

    async def begin(self, key_hash: str, print_: str) -> uuid.UUID | _Stored | _Refusal:
        """Own the key (a fresh owner id), or the stored answer, or why neither."""
        deadline = asyncio.get_running_loop().time() + self.policy.wait_s
        while True:
            owner = uuid.uuid4()
            now = clock.now()
            async with self.engine.begin() as conn:
                if random.random() < 0.02:  # now and then, forget keys past their time
                    await conn.execute(text(
                        "DELETE FROM idempotency_keys WHERE key_hash IN (SELECT key_hash FROM idempotency_keys "
                        "WHERE expires_at < :now LIMIT 500)"), {"now": now})
                taken = (await conn.execute(text(
                    "INSERT INTO idempotency_keys (key_hash, fingerprint, state, owner, executed, locked_until, "
                    "expires_at) VALUES (:k, :f, 'running', :o, false, :lease, :expires) "
                    "ON CONFLICT (key_hash) DO UPDATE SET fingerprint = :f, state = 'running', owner = :o, "
                    "executed = false, locked_until = :lease, expires_at = :expires, status_code = NULL, "
                    "headers = NULL, body = NULL, created_at = now() WHERE idempotency_keys.expires_at < :now "
                    "RETURNING owner"), {"k": key_hash, "f": print_, "o": owner, "now": now,
                                         "lease": now + timedelta(seconds=self.policy.lease_s),
                                         "expires": now + timedelta(seconds=self.policy.ttl_s)})).first()
                if taken is not None:
                    return owner
                row = (await conn.execute(text(
                    "SELECT fingerprint, state, executed, locked_until, status_code, headers::text AS headers, body "
                    "FROM idempotency_keys WHERE key_hash = :k"), {"k": key_hash})).first()
                if row is None:
                    continue  # it expired and went between our two statements
                if row.fingerprint != print_:
                    return _MISMATCH
                if row.state == "done":
                    return _Stored(row.status_code, json.loads(row.headers or "[]"), bytes(row.body or b""))
                if row.locked_until < now:
                    if row.executed:
                        return _UNKNOWN
                    took_over = (await conn.execute(text(
                        "UPDATE idempotency_keys SET owner = :o, locked_until = :lease WHERE key_hash = :k "
                        "AND state = 'running' AND NOT executed AND locked_until < :now RETURNING owner"),
                        {"o": owner, "k": key_hash, "now": now,
                         "lease": now + timedelta(seconds=self.policy.lease_s)})).first()
                    if took_over is not None:
                        return owner  # the earlier attempt died before its effect committed
            if asyncio.get_running_loop().time() >= deadline:
                return _BUSY
            await asyncio.sleep(0.1)

    async def heartbeat(self, key_hash: str, owner: uuid.UUID) -> None:
        """Keep the lease while the request runs, so a slow request is never taken over."""
        while True:
            await asyncio.sleep(self.policy.lease_s / 3)
            with contextlib.suppress(Exception):
                async with self.engine.begin() as conn:
                    await conn.execute(text(
                        "UPDATE idempotency_keys SET locked_until = :lease WHERE key_hash = :k AND owner = :o "
                        "AND state = 'running'"),
                        {"k": key_hash, "o": owner,
                         "lease": clock.now() + timedelta(seconds=self.policy.lease_s)})

    async def finish(self, key_hash: str, owner: uuid.UUID, status: int, headers: list[tuple[str, str]],
                     body: bytes) -> bool:
        async with self.engine.begin() as conn:
            if status >= 500 or len(body) > _MAX_STORED_BODY:
                # Not an answer to keep ("try again"), unless its effect committed: then it is the answer.
                deleted = await conn.execute(text(
                    "DELETE FROM idempotency_keys WHERE key_hash = :k AND owner = :o AND NOT executed"),
                    {"k": key_hash, "o": owner})
                if deleted.rowcount:  # type: ignore[attr-defined]
                    return True
            done = await conn.execute(text(
                "UPDATE idempotency_keys SET state = 'done', status_code = :s, headers = CAST(:h AS jsonb), "
                "body = :b WHERE key_hash = :k AND owner = :o"),
                {"k": key_hash, "o": owner, "s": status, "h": json.dumps(headers), "b": body})
            return bool(done.rowcount)  # type: ignore[attr-defined]

    async def abandon(self, key_hash: str, owner: uuid.UUID) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text("DELETE FROM idempotency_keys WHERE key_hash = :k AND owner = :o AND NOT executed"),
                               {"k": key_hash, "o": owner})


_PARAMETER = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Send one with every request that creates or changes something: the same key and request "
                   "get the first answer again (`Idempotent-Replayed: true`), another request under the key is "
                   "a 422, one still running a 409. Kept 48 h.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def describe(schema: dict[str, Any], skip: Callable[[str], bool]) -> dict[str, Any]:
    """Add the header and the answers it can bring (409, 422, 503) to every changing operation."""
    from kit.problems import problem_responses

    extra = problem_responses(409, 422, 503)
    for path, operations in schema.get("paths", {}).items():
        if skip(path):
            continue
        for method, operation in operations.items():
            if method.upper() not in CHANGING:
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name", "").lower() == HEADER for p in parameters):
                parameters.append(dict(_PARAMETER))
            for status, response in extra.items():
                problem = {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
                operation.setdefault("responses", {}).setdefault(str(status), {
                    "description": response["description"], "content": {"application/problem+json": problem}})
    return schema


def install(app: Any, *, caller_scope: Callable[[Scope, Headers], str | None],
            skip: Callable[[str], bool] = lambda _path: False) -> None:
    """The middleware, and the OpenAPI saying so."""
    app.add_middleware(IdempotencyMiddleware, caller_scope=caller_scope, skip=skip)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return describe(generate(), skip)

    app.openapi = openapi


def verified_caller(scope: Scope, headers: Headers) -> str | None:
    """A service's keys belong to the caller the gateway (or a peer) signed for: its kind and subject.
    An unsigned or forged caller scopes nothing; the route refuses it with a 401 anyway."""
    token = headers.get(CALLER_HEADER)
    if not token:
        return None
    try:
        caller = scope["app"].state.identity_verifier.verify(token)
    except Problem:
        return None
    return f"{caller.kind}:{caller.subject}"


def bearer_or_cookie(cookie: str) -> Callable[[Scope, Headers], str | None]:
    """The gateway's own routes: keys belong to the bearer token that sent them, or to the session
    cookie of a browser that signs in without one (the donor client). Read exactly as the gateway's
    sign-in dependencies read them (a non-Bearer Authorization header falls through to the cookie),
    so a key is always scoped to the session that acts."""

    def scope_of(scope: Scope, headers: Headers) -> str | None:
        kind, _, token = headers.get("authorization", "").partition(" ")
        if kind.lower() == "bearer" and token:
            return "bearer:" + hashlib.sha256(token.encode()).hexdigest()
        session = cookie_parser(headers.get("cookie", "")).get(cookie)  # parsed as request.cookies is
        return "cookie:" + hashlib.sha256(session.encode()).hexdigest() if session else None

    return scope_of


def _policy(state: Any) -> Policy:
    settings = getattr(state, "settings", None)
    return Policy(ttl_s=getattr(settings, "idempotency_ttl_s", Policy.ttl_s),
                  lease_s=getattr(settings, "idempotency_lease_s", Policy.lease_s),
                  wait_s=getattr(settings, "idempotency_wait_s", Policy.wait_s))


_settling: set[asyncio.Task[None]] = set()


async def _written(step: Callable[[], Awaitable[Any]]) -> bool:
    """True when done, or when trying again cannot help (a bug, logged); False while the database is away."""
    try:
        await step()
    except Exception as exc:
        if is_unavailable(exc):
            return False
        log.exception("idempotency record not written")
    return True


async def _settle(step: Callable[[], Awaitable[Any]], attempts: int = 120) -> None:
    """Record the outcome now, or, while the database is away, keep trying in the background (for a
    minute): the key is then answered as soon as the database is back, instead of only when the
    lease lapses. The request itself is answered either way."""
    if await _written(step):
        return

    async def later() -> None:
        for _ in range(attempts):
            await asyncio.sleep(0.5)
            if await _written(step):
                return
        log.warning("idempotency record not written: the database stayed away")

    task = asyncio.create_task(later())
    _settling.add(task)
    task.add_done_callback(_settling.discard)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (to fingerprint it), and a receive that hands it to the app as it came."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, sent = b"".join(chunks), False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _send_stored(send: Send, stored: _Stored) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
    headers.append((REPLAYED.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})


async def _problem(scope: Scope, send: Send, status: int, detail: str, *, field: str | None = None,
                   headers: dict[str, str] | None = None, slug: str = "validation",
                   title: str = "Request is not valid") -> None:
    response = problem_response(status, title, slug=slug, detail=detail, headers=headers, instance=scope["path"],
                                errors=[FieldError(field=field, message=detail)] if field else None)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
