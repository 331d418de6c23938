"""JSON logs through structlog; the standard library (uvicorn, sqlalchemy) goes the same way.
Every line of a request carries its `request_id` (kit.request_id) and `trace_id` (kit.tracing).

An exception logged anywhere (``log.exception``, uvicorn's own errors) is rendered into the
same JSON line as a structured traceback: type, message and every frame, so whoever reads the
log at 3 a.m. sees where it happened. Local variables are left out: they may hold ID numbers
or card numbers (DOMAIN.md 11), which must never reach a log.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from kit.tracing import add_trace_ids

# Frames of the standard library's asyncio and starlette's plumbing add length, not insight;
# 30 frames keep the application's own frames of a deep ASGI stack.
_TRACEBACKS = structlog.processors.ExceptionRenderer(
    ExceptionDictTransformer(show_locals=False, max_frames=30, use_rich=False))


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.EventRenamer("message"),
    ]
    # The console renderer prints tracebacks itself; the JSON one needs them turned into data.
    exceptions: list[structlog.types.Processor] = [_TRACEBACKS] if json else []
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            lambda _l, _m, event: {"service": service, **event},
            *exceptions,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
