"""A logged exception arrives in the JSON line as a real traceback, without local variables, and
through the same scrubber as every other value (issue 11)."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import httpx
import pytest
import structlog
from fastapi import FastAPI

from kit.logging import configure_logging, scrub
from kit.problems import install_problem_handlers
from tests.support.people import resident_id


@pytest.fixture
def json_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.setattr(sys, "stdout", out)
    configure_logging("logtest", "INFO", json=True)
    try:
        yield out
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _share_the_fund(card_number: str, shares: int) -> int:
    return len(card_number) // shares


def test_numbers_are_masked_in_text_but_not_inside_a_hex_identifier() -> None:
    cert = resident_id()
    assert scrub(f"卡号6222021234567891234，电话13912345678，证件{cert}。") == (
        f"卡号6222 **** **** 1234，电话139****5678，证件{cert[:6]}********{cert[-4:]}。")
    assert scrub(f"cert={cert}&phone='13912345678'") == f"cert={cert[:6]}********{cert[-4:]}&phone='139****5678'"
    # A trace id (32 hex) with a run of 15 decimal digits, as CI once drew; a request id likewise.
    trace_id, request_id = "54245ff1f5cd4b37b418276530912010", "0b13912345678c6222021234567891234e"
    assert scrub(f"trace {trace_id} request {request_id}") == f"trace {trace_id} request {request_id}"
    assert scrub(f"payee 6222021234567891234 trace={trace_id}") == f"payee 6222 **** **** 1234 trace={trace_id}"
    # Digits glued to other letters, or a short token, are not an identifier of ours.
    assert scrub(f"cert{cert} tel13912345678") == f"cert{cert[:6]}********{cert[-4:]} tel139****5678"


def test_a_trace_id_with_a_long_run_of_digits_reaches_the_line_whole(json_lines: io.StringIO) -> None:
    # A span id is 16 hex characters: about one in 1,900 has no letter at all and looks like a card.
    structlog.get_logger("kit.test").info("forwarded", trace_id="54245ff1f5cd4b37b418276530912010",
                                          span_id="6222021234567891", payee_account="6222021234567891234")
    [line] = lines(json_lines)
    assert (line["trace_id"], line["span_id"], line["payee_account"]) == (
        "54245ff1f5cd4b37b418276530912010", "6222021234567891", "6222 **** **** 1234")


def test_log_exception_writes_the_traceback_into_the_json_line(json_lines: io.StringIO) -> None:
    log = structlog.get_logger("kit.test")
    try:
        _share_the_fund("6222021234567891234", 0)
    except ZeroDivisionError:
        log.exception("sharing failed", fund="local")
    [line] = lines(json_lines)
    assert (line["message"], line["level"], line["service"], line["fund"]) == (
        "sharing failed", "error", "logtest", "local")
    [exc] = line["exception"]
    assert (exc["exc_type"], exc["exc_value"]) == ("ZeroDivisionError", "integer division or modulo by zero")
    assert [f["name"] for f in exc["frames"]][-2:] == [
        "test_log_exception_writes_the_traceback_into_the_json_line", "_share_the_fund"]
    assert exc["frames"][-1]["filename"].endswith("tests/kit/test_logging.py")
    assert "6222021234567891234" not in json_lines.getvalue()  # no locals: a card number never reaches the log


def test_a_tracebacks_messages_go_through_the_scrubber(json_lines: io.StringIO) -> None:
    """Issue 11's scrubber and issue 12's tracebacks: an ID number, card or mobile in an exception's
    message, or in the message of the exception it came from, never reaches the log."""
    donor = resident_id("19800101")
    try:
        try:
            raise LookupError(f"no donor {donor}, phone 13912345678")
        except LookupError as cause:
            raise ValueError(f"card 6222021234567891234 refused for {donor}") from cause
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    [line] = lines(json_lines)
    outer, cause = line["exception"]
    assert (outer["exc_type"], cause["exc_type"]) == ("ValueError", "LookupError")
    masked = donor[:6] + "********" + donor[-4:]
    assert outer["exc_value"] == f"card 6222 **** **** 1234 refused for {masked}"
    assert cause["exc_value"] == f"no donor {masked}, phone 139****5678"
    assert outer["frames"][-1]["name"] == "test_a_tracebacks_messages_go_through_the_scrubber"
    for secret in (donor, "6222021234567891234", "13912345678"):
        assert secret not in json_lines.getvalue()


def test_the_console_renders_a_scrubbed_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    monkeypatch.setattr(sys, "stdout", out)
    configure_logging("logtest", "INFO", json=False)
    donor = resident_id("19800101")
    try:
        try:
            raise KeyError(donor)
        except KeyError:
            structlog.get_logger("kit.test").exception("lookup failed")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    text = out.getvalue()
    assert "Traceback" in text and "KeyError" in text and "lookup failed" in text
    assert donor not in text and donor[:6] + "********" + donor[-4:] in text


def test_the_standard_librarys_loggers_get_the_same_traceback(json_lines: io.StringIO) -> None:
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    [line] = lines(json_lines)
    assert line["message"] == "Exception in ASGI application"
    assert line["exception"][0]["exc_type"] == "KeyError"
    assert line["exception"][0]["frames"][-1]["name"] == "test_the_standard_librarys_loggers_get_the_same_traceback"


async def test_an_unhandled_error_in_a_route_logs_where_it_happened(json_lines: io.StringIO) -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        return {"total": None + 1}  # type: ignore[operator]  # the TypeError of the issue

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    logged = [line for line in lines(json_lines) if line["message"] == "unhandled error"]
    assert logged and logged[0]["path"] == "/boom"
    [exc] = logged[0]["exception"]
    assert exc["exc_type"] == "TypeError" and "NoneType" in exc["exc_value"]
    assert exc["frames"][-1]["name"] == "boom"
