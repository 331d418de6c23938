"""RFC 9457 problem details for every error an app returns.

Domain code raises `Problem` (or a subclass); validation errors name the failing fields;
a database or downstream that is unreachable becomes a 503 with Retry-After, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kit.request_id import current_request_id

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://xuefei.example.cn/problems/"
log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    field: str = Field(description="JSON path of the failing field, e.g. `items[0].quantity`")
    message: str


class ProblemDetail(BaseModel):
    """The body of every error response (RFC 9457)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[TYPE_BASE + "validation"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """An error with an HTTP status that the handlers turn into problem+json."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if status is not None:
            self.status = status
        if slug is not None:
            self.slug = slug
        if title is not None:
            self.title = title
        self.errors = [FieldError(field=field, message=detail or self.title)] if field else None
        self.headers = dict(headers or {})
        self.extra = extra


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(Problem):
    status, slug, title = 422, "validation", "Request is not valid"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "unavailable", "Temporarily unavailable"

    def __init__(self, detail: str | None = None, retry_after_s: int = 2, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(retry_after_s)})
        super().__init__(detail, **kw)


def problem_response(
    status: int,
    title: str,
    *,
    slug: str,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body = ProblemDetail(
        type=TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        request_id=current_request_id(),
        errors=list(errors) if errors else None,
        **extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True, mode="json"),
        status_code=status,
        headers=dict(headers or {}),
        media_type=MEDIA_TYPE,
    )


def _field_path(loc: Sequence[Any]) -> str:
    # FastAPI prefixes the location with where it was found ("body", "query", ...).
    parts = list(loc[1:]) if loc and loc[0] in {"body", "query", "path", "header", "form"} else list(loc)
    if loc and loc[0] in {"query", "path", "header"} and not parts:
        parts = list(loc)
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or str(loc[0] if loc else "body")


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    return [FieldError(field=_field_path(e.get("loc", ())), message=e.get("msg", "invalid")) for e in exc.errors()]


def is_unavailable(exc: BaseException) -> bool:
    """True when the error means "a dependency is down for now", not "this request is wrong"."""
    if isinstance(exc, (PoolTimeoutError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
            return True
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or "")
        # 08: connection exception; 57P0x: admin shutdown, crash shutdown, cannot connect now.
        return sqlstate.startswith("08") or sqlstate.startswith("57P")
    if isinstance(exc, FileNotFoundError):
        # A database on a unix socket that is down says "no such file" (the socket is gone), with no
        # file name; a file of ours that is missing names itself, and is a bug, not an outage.
        return exc.filename is None
    return isinstance(exc, OSError)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, slug=exc.slug, detail=exc.detail, errors=exc.errors,
            headers=exc.headers, instance=request.url.path, **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        return problem_response(
            422, "Request is not valid", slug="validation",
            detail="; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=errors, instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
        return problem_response(
            exc.status_code, titles.get(exc.status_code, "HTTP error"), slug=f"http-{exc.status_code}",
            detail=str(exc.detail) if exc.detail else None, headers=exc.headers, instance=request.url.path,
        )

    async def _dependency_error(request: Request, exc: Exception) -> JSONResponse:
        if is_unavailable(exc):
            log.warning("dependency unavailable", error=repr(exc))
            return problem_response(
                503, "Temporarily unavailable", slug="unavailable",
                detail="A dependency (database or service) is not reachable; retry shortly.",
                headers={"Retry-After": "2"}, instance=request.url.path,
            )
        log.exception("unhandled error", path=request.url.path)
        return problem_response(500, "Internal error", slug="internal", instance=request.url.path)

    # Registered per class (not only for Exception) so they run inside the request-id
    # middleware and the 503 carries the request id.
    for exc_class in (DBAPIError, PoolTimeoutError, OSError, TimeoutError):
        app.add_exception_handler(exc_class, _dependency_error)
    app.add_exception_handler(Exception, _dependency_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the errors a route can return."""
    descriptions = {
        400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found",
        409: "Conflict with the current state", 413: "Too large", 422: "Validation failed (fields named)",
        429: "Too many requests", 503: "A dependency is unavailable; retry",
    }
    return {
        s: {"model": ProblemDetail, "description": descriptions.get(s, "Error"),
            "content": {MEDIA_TYPE: {}}}
        for s in statuses
    }
