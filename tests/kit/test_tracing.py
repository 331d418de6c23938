"""Traces: one trace from the gateway through a service to the database, and an outbox delivery
that continues the trace of the request that wrote the row; exporters from OTEL_* variables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from kit import tracing
from tests.claims.helpers import DONOR, ready_claim, seed_donor
from tests.claims.test_review import add_user
from tests.entitlement.helpers import quote_body
from tests.support.apps import AppStack
from tests.support.dates import iso_days_ago

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SAMPLED = f"00-{TRACE_ID}-{CALLER_SPAN}-01"  # an upstream that records this trace


@pytest.fixture(scope="session")
def exporter_once() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("tests")  # what each app's lifespan does; the first call in a process wins
    provider = trace.get_tracer_provider()
    assert hasattr(provider, "add_span_processor"), "the apps install an SDK TracerProvider"
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(stack: AppStack, exporter_once: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter_once.clear()
    yield exporter_once


def hexid(span_id: int) -> str:
    return format(span_id, "016x")


def only(found: list[ReadableSpan], what: str) -> ReadableSpan:
    assert len(found) == 1, f"{what}: {[s.name for s in found]}"
    return found[0]


async def test_one_trace_from_the_gateway_through_entitlement_to_the_database(
        stack: AppStack, admin_headers, spans) -> None:
    await seed_donor(stack.gateway, admin_headers)
    # The account is read, not answered from the gateway's memory (gateway/staff/accounts.py): the
    # gateway's own database span.
    stack.apps["gateway"].state.staff_accounts.forget("admin")
    spans.clear()
    response = await stack.gateway.post("/ops/v1/quotes", headers={**admin_headers, "traceparent": SAMPLED},
                                        json=quote_body(DONOR, used_on=iso_days_ago(60)))  # the donor gave 730 days ago
    assert response.status_code == 200, response.text
    found = spans.get_finished_spans()
    assert {format(s.context.trace_id, "032x") for s in found} == {TRACE_ID}
    by_id = {s.context.span_id: s for s in found}
    gateway = only([s for s in found if s.name == "POST /ops/v1/quotes"], "gateway server span")
    assert gateway.kind == SpanKind.SERVER and hexid(gateway.parent.span_id) == CALLER_SPAN
    call = only([s for s in found if s.kind == SpanKind.CLIENT and s.attributes.get("url.path") == "/v1/quotes"],
                "the gateway's call to entitlement")
    assert call.parent.span_id == gateway.context.span_id
    entitlement = only([s for s in found if s.name == "POST /v1/quotes"], "entitlement server span")
    assert entitlement.kind == SpanKind.SERVER and entitlement.parent.span_id == call.context.span_id
    database = [s for s in found if s.attributes.get("db.system") == "postgresql"]
    parents = {by_id[s.parent.span_id].name for s in database}
    assert parents == {"POST /ops/v1/quotes", "POST /v1/quotes"}  # the staff lookup, the quote's read
    assert all(s.attributes["db.query.text"].lstrip().upper().startswith("SELECT") for s in database)


async def test_an_outbox_delivery_continues_the_trace_of_the_approval(
        stack: AppStack, admin_headers, spans, db) -> None:
    await seed_donor(stack.gateway, admin_headers)
    reviewer = await add_user(stack.gateway, admin_headers, stack, "tr_rev", ["reviewer"])
    claim = await ready_claim(stack.gateway, admin_headers)
    assert (await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/submit", headers=admin_headers)).status_code == 200
    await stack.drain_outbox()
    spans.clear()
    approved = await stack.gateway.post(f"/ops/v1/claims/{claim['id']}/decision",
                                        headers={**reviewer, "traceparent": SAMPLED},
                                        json={"decision": "approve", "note": ""})
    assert approved.json()["status"] == "approved", approved.text
    async with db.connect() as conn:
        stored = dict((await conn.execute(text(
            "SELECT kind, traceparent FROM claims.outbox WHERE claim_id = :c AND kind = 'hold_commit'"),
            {"c": claim["id"]})).all())
    written_by = stored["hold_commit"]  # the payment is asked for only once the commit is confirmed
    assert written_by.startswith(f"00-{TRACE_ID}-") and written_by.endswith("-01")

    spans.clear()
    assert await stack.drain_outbox() >= 2  # the hold commit, then the payment request it wrote
    found = spans.get_finished_spans()
    commit = only([s for s in found if s.name == "outbox claims hold_commit"], "the commit's delivery span")
    assert format(commit.context.trace_id, "032x") == TRACE_ID
    assert hexid(commit.parent.span_id) == written_by.split("-")[2]  # the approval's span that wrote the row
    delivery = only([s for s in found if s.name == "outbox claims payment_request"], "the delivery span")
    assert delivery.kind == SpanKind.CONSUMER
    assert format(delivery.context.trace_id, "032x") == TRACE_ID
    assert delivery.parent.span_id == commit.context.span_id  # written by the commit's delivery, in its trace
    payments = only([s for s in found if s.name == "POST /v1/disbursements"], "payments server span")
    assert format(payments.context.trace_id, "032x") == TRACE_ID
    hops = {s.context.span_id: s for s in found}
    chain, span = [], payments
    while span.parent is not None and span.parent.span_id in hops:
        span = hops[span.parent.span_id]
        chain.append(span.kind)
    # payments <- kit.http call <- the payment's delivery <- the commit's delivery (then the approval)
    assert chain == [SpanKind.CLIENT, SpanKind.CONSUMER, SpanKind.CONSUMER]


def test_every_log_line_gets_the_current_trace_and_span_id() -> None:
    assert tracing.add_trace_ids(None, "info", {}) == {}  # nothing current: nothing added
    with tracing.continue_trace(SAMPLED, "work"):
        line = tracing.add_trace_ids(None, "info", {"message": "x"})
        header: dict[str, str] = {}
        tracing.inject(header)
    assert line["trace_id"] == TRACE_ID and len(line["span_id"]) == 16
    assert header["traceparent"] == f"00-{TRACE_ID}-{line['span_id']}-01"


def test_unsampled_work_still_has_a_trace_id_for_the_logs() -> None:
    with tracing.continue_trace(None, "a worker pass"):
        line = tracing.add_trace_ids(None, "info", {})
        traceparent = tracing.current_traceparent()
    assert len(line["trace_id"]) == 32 and int(line["trace_id"], 16) != 0
    assert traceparent.startswith(f"00-{line['trace_id']}-{line['span_id']}-")  # still carried downstream
    assert int(traceparent.rsplit("-", 1)[1], 16) & 1 == 0  # but not sampled: nothing recorded


def test_exporters_come_from_the_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert tracing.exporters_from_env() == []  # off by default
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert tracing.exporters_from_env() == []
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    assert [type(e) for e in tracing.exporters_from_env()] == [ConsoleSpanExporter]
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector.internal:4318/v1/traces")
    (otlp,) = tracing.exporters_from_env()
    assert isinstance(otlp, OTLPSpanExporter) and otlp._endpoint == "http://collector.internal:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    with pytest.raises(ValueError, match="http/protobuf"):
        tracing.exporters_from_env()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin-from-mars")
    with pytest.raises(ValueError, match="not installed"):
        tracing.exporters_from_env()
