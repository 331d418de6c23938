"""JSON logs through structlog; the standard library (uvicorn, sqlalchemy) goes the same way.

Every line passes a scrubber that masks anything shaped like a resident ID, a bank card or a
mobile number (kit.crypto masks), whatever put it there: SQLAlchemy hides bound parameters
(kit.db), but a driver's own message may still quote one ("invalid input for query argument $1:
'11010519...'"), and so may a traceback. Every line of a request carries its `request_id`
(kit.request_id) and `trace_id` (kit.tracing).

An exception logged anywhere (``log.exception``, uvicorn's own errors) is rendered into the
same JSON line as a structured traceback: type, message and every frame, so whoever reads the
log at 3 a.m. sees where it happened. The scrubber walks into it (an exception's message may
quote an ID number); local variables are left out altogether: they may hold ID numbers or card
numbers (DOMAIN.md 11) in shapes no pattern catches.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from kit.crypto import mask_bank_account, mask_cert_number, mask_phone
from kit.tracing import add_trace_ids

# Frames of the standard library's asyncio and starlette's plumbing add length, not insight;
# 30 frames keep the application's own frames of a deep ASGI stack.
_TRACEBACKS = structlog.processors.ExceptionRenderer(
    ExceptionDictTransformer(show_locals=False, max_frames=30, use_rich=False))

_RESIDENT_ID = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{5}[0-9Xx](?![0-9])")
_CARD = re.compile(r"(?<![0-9])[0-9]{15,19}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")

# Each of the three needs a run of at least 11 digits: text without one (nearly every log value)
# is returned after one search instead of three substitutions.
_LONG_DIGITS = re.compile(r"[0-9]{11}")

# A lowercase hex token of 16 or more characters with at least one letter is an identifier we
# mint (trace and span ids, request ids, uuid4().hex), never a person's number, and is left whole:
# about one trace id in 140 holds a run of decimal digits shaped like a card or a mobile number,
# and masking it broke the one thing a trace id is for. The capturing group makes re.split keep the tokens.
_HEX_ID = re.compile(r"(?<![0-9A-Za-z])((?=[0-9]*[a-f])[0-9a-f]{16,})(?![0-9A-Za-z])")


def _mask_numbers(text: str) -> str:
    text = _RESIDENT_ID.sub(lambda m: mask_cert_number(m.group()), text)
    text = _CARD.sub(lambda m: mask_bank_account(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)


def scrub(text: str) -> str:
    """Mask ID numbers, card numbers and mobile numbers in free text."""
    if not _LONG_DIGITS.search(text):
        return text
    parts = _HEX_ID.split(text)  # text, token, text, token, ..., text
    return "".join(part if i % 2 else _mask_numbers(part) for i, part in enumerate(parts))


def _scrubbed(value: Any) -> Any:
    """Strings masked at any depth: a structured traceback is a list of dicts of frames."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


# Written by kit.tracing.add_trace_ids from integers, so never anything else; a span id without a
# hex letter (one in 1,900) would otherwise look like a 16-digit card.
_TRACE_FIELDS = frozenset({"trace_id", "span_id"})


def scrub_event(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    return {k: v if k in _TRACE_FIELDS else _scrubbed(v) for k, v in event.items()}


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.EventRenamer("message"),
    ]
    # Tracebacks become data for JSON, text for the console; either way before the scrubber, so
    # an exception's message is scrubbed like any other (the console renderer must not print
    # the raw exception itself).
    exceptions: structlog.types.Processor = _TRACEBACKS if json else structlog.processors.format_exc_info
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
            exceptions,
            scrub_event,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request it sends at INFO: a second line per forwarded request, saying what the
    # service's own access line and the trace already say (and ~5% of the gateway's CPU at load).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
