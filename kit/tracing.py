"""Traces: OpenTelemetry across gateway -> services -> database, W3C `traceparent` on every call.

One TracerProvider per process, configured from the standard OTEL_* variables:
`OTEL_TRACES_EXPORTER` (`none` by default; `otlp` = OTLP over HTTP/protobuf, `console`, or any
installed exporter's entry-point name), `OTEL_EXPORTER_OTLP_*`, `OTEL_TRACES_SAMPLER`,
`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`.

With no exporter nothing is recorded (the sampler is parent-based, always off at the root), but
every request still gets a trace id: it is in every log line and travels downstream, so the logs of
one request can be joined across processes at no cost. Server spans come from FastAPI's own
telemetry (`FASTAPI_TELEMETRY`); this module adds client spans on our HTTP calls (kit.http),
database spans, and outbox deliveries that continue the trace of the request that wrote the row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

# FastAPI(telemetry=...): server spans only; metrics are Prometheus (kit.metrics), and one span per
# dependency and serialisation step would cost more than it tells on every request.
FASTAPI_TELEMETRY: Any = {"tracing": True, "metrics": False, "logs": False, "operation_spans": False,
                          "auto_configure": False}

_tracer = trace.get_tracer("xuefei")
_traceparent = TraceContextTextMapPropagator()
_configured = False


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name in ("otlp", "otlp_proto_http"):
        protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        if protocol != "http/protobuf":
            raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: only http/protobuf is installed")
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # endpoint, headers, timeout: OTEL_EXPORTER_OTLP_* variables
    found = entry_points(group="opentelemetry_traces_exporter", name=name)
    if not found:
        raise ValueError(f"OTEL_TRACES_EXPORTER names {name!r}, which is not installed")
    exporter: SpanExporter = next(iter(found)).load()()
    return exporter


def exporters_from_env() -> list[SpanExporter]:
    names = [n.strip() for n in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",") if n.strip()]
    return [_exporter(n) for n in names if n != "none"]


def configure_tracing(service: str) -> None:
    """Install the process's TracerProvider once (tests host several apps in one process)."""
    global _configured
    if _configured or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    exporters = exporters_from_env()
    # No exporter: record nothing unless an incoming request is sampled (ids are still made).
    # Otherwise the SDK reads OTEL_TRACES_SAMPLER (default: parent-based, always on).
    sampler = None if exporters or os.environ.get("OTEL_TRACES_SAMPLER") else ParentBased(ALWAYS_OFF)
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": service}
    provider = TracerProvider(resource=Resource.create(attributes), sampler=sampler)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True


def add_trace_ids(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: the current trace and span id in every log line."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def inject(headers: dict[str, str]) -> None:
    """`traceparent` (and `tracestate`, `baggage`) of the current span into outgoing headers."""
    propagate.inject(headers)


def current_traceparent() -> str | None:
    """The current span as a W3C traceparent, to store with work done later (outbox rows)."""
    carrier: dict[str, str] = {}
    _traceparent.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def client_span(name: str, **attributes: Any) -> Iterator[None]:
    """A CLIENT span around an outgoing call, when the current trace is recorded at all."""
    if not trace.get_current_span().is_recording():
        yield
        return
    with _tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes):
        yield


@contextmanager
def continue_trace(traceparent: str | None, name: str, **attributes: Any) -> Iterator[None]:
    """Work done later for a request (an outbox delivery): a span in that request's trace, or a
    new trace when the row has none. Its ids reach the logs and the peer's `traceparent`."""
    parent = _traceparent.extract({"traceparent": traceparent}) if traceparent else None
    with _tracer.start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER, attributes=attributes):
        yield


def span(name: str, **attributes: Any) -> Any:
    """An INTERNAL span (a root when nothing is current): a worker's unit of work."""
    return _tracer.start_as_current_span(name, attributes=attributes)


def instrument_engine(engine: AsyncEngine, *, service: str) -> None:
    """A span per statement (db.system postgresql), under the current span when it is recorded."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if context is None or not trace.get_current_span().is_recording():
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        context._xuefei_span = _tracer.start_span(
            f"{operation} {service}", kind=SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.namespace": service, "db.operation.name": operation,
                        "db.query.text": statement[:2000]})

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if (db_span := getattr(context, "_xuefei_span", None)) is not None:
            db_span.end()

    @event.listens_for(sync_engine, "handle_error")
    def _error(exception_context: Any) -> None:
        context = exception_context.execution_context
        if (db_span := getattr(context, "_xuefei_span", None)) is not None:
            db_span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            db_span.end()

