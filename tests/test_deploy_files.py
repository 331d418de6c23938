"""deploy/: the Prometheus rules and scrape config and the Grafana dashboard are well formed, and
every series they name is one the apps and the payments worker actually export (scraped here).

promtool is not available, so expressions are checked the way a reviewer would: brackets balance,
durations and label matchers are well formed, only PromQL functions are called, and every other
identifier is a series a real /metrics answer declares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.payments.worker import Worker
from tests.support.apps import AppStack, service_settings
from tests.support.metrics import series_names

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
SCRAPE = ROOT / "deploy" / "prometheus" / "prometheus.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "xuefei-operations.json"
FUNCTIONS = {"rate", "irate", "increase", "sum", "max", "min", "avg", "count", "histogram_quantile", "absent",
             "time", "clamp_min", "topk", "delta"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset"}
BUILTIN_SERIES = {"up"}  # Prometheus adds it for every target
DURATION = re.compile(r"^[0-9]+[smhdw]$")
MATCHER = re.compile(r'^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*$')
# The alerts the operations pack must have (issue 16, point 5), by the series each one watches.
REQUIRED = {"xuefei_outbox_oldest_age_seconds": "outbox age", "xuefei_outbox_dead_letters": "dead letters",
            "xuefei_http_requests_total": "5xx rate", "xuefei_claims_overdue": "claims overdue",
            "xuefei_reconciliation_mismatches_open": "reconciliation mismatches",
            "xuefei_claims_payout_overdue": "payout deadline"}


@pytest.fixture
async def exported(stack: AppStack, database_url: str, keys) -> set[str]:  # noqa: ANN001
    """Every series name the processes declare, from their real /metrics answers."""
    texts = [(await stack.services[name].get("/metrics")).text for name in ("entitlement", "claims", "payments")]
    texts.append((await stack.apps["gateway"].state.metrics.render()).decode())
    async with Worker(service_settings("payments", database_url, keys)) as worker:
        texts.append((await worker.metrics.render()).decode())
    return set().union(*(series_names(t) for t in texts)) | BUILTIN_SERIES


def balanced(expr: str) -> bool:
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for char in re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


def series_in(expr: str) -> set[str]:
    """The series an expression reads: identifiers that are not functions, keywords, label names of
    a grouping clause, or inside a matcher, a string or a range."""
    for matchers in re.findall(r"\{([^}]*)\}", expr):
        for matcher in filter(None, (m.strip() for m in matchers.split(","))):
            assert MATCHER.match(matcher), f"bad label matcher {matcher!r} in {expr}"
    for window in re.findall(r"\[([^\]]*)\]", expr):
        assert DURATION.match(window), f"bad range {window!r} in {expr}"
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", bare)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare):
        word, rest = match.group(), bare[match.end():].lstrip()
        if rest.startswith("("):
            assert word in FUNCTIONS, f"unknown function {word}() in {expr}"
        elif word not in KEYWORDS:
            names.add(word)
    return names


def rules() -> Iterator[dict[str, Any]]:
    loaded = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    for group in loaded["groups"]:
        yield from group["rules"]


def dashboard_exprs() -> Iterator[tuple[str, str]]:
    for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def test_alert_rules_are_well_formed() -> None:
    loaded = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert set(loaded) == {"groups"}
    names = [g["name"] for g in loaded["groups"]]
    assert len(names) == len(set(names))
    alerts = [r["alert"] for r in rules()]
    assert len(alerts) == len(set(alerts))
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["alert"])
        assert DURATION.match(rule["for"]), rule
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"].strip() and rule["annotations"]["description"].strip()
        assert balanced(rule["expr"]), rule["expr"]
        assert re.search(r"(>|<|==|!=|>=|<=)\s*[0-9.]+\s*$|absent\(", rule["expr"]), f"no threshold: {rule['expr']}"


def test_every_topic_of_the_operations_pack_has_an_alert() -> None:
    watched = set().union(*(series_in(r["expr"]) for r in rules()))
    assert not set(REQUIRED) - watched, [REQUIRED[n] for n in set(REQUIRED) - watched]
    five_xx = [r for r in rules() if 'status=~"5.."' in r["expr"]]
    assert five_xx, "a 5xx rate alert"


async def test_alerts_and_dashboard_name_only_series_the_apps_export(exported: set[str]) -> None:
    for rule in rules():
        unknown = series_in(rule["expr"]) - exported
        assert not unknown, f"{rule['alert']}: {unknown} is exported by no app"
    for title, expr in dashboard_exprs():
        assert balanced(expr), expr
        unknown = series_in(expr) - exported
        assert not unknown, f"panel {title!r}: {unknown} is exported by no app"


def test_the_series_checker_catches_a_misspelt_series() -> None:
    assert series_in('max by (outbox) (xuefei_outbox_oldset_age_seconds{outbox="claims"}[5m]) > 0') == {
        "xuefei_outbox_oldset_age_seconds"}
    with pytest.raises(AssertionError, match="unknown function"):
        series_in("maximum(xuefei_claims_overdue)")
    assert not balanced("sum(rate(xuefei_http_requests_total[5m])")


def test_the_dashboard_is_grafana_json() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    for panel in dashboard["panels"]:
        assert panel["type"] in {"row", "timeseries", "stat"}
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"} and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}" and target["expr"].strip()
    assert len(list(dashboard_exprs())) >= 12


def test_the_scrape_config_covers_every_process_and_loads_the_rules() -> None:
    config = yaml.safe_load(SCRAPE.read_text(encoding="utf-8"))
    assert [ALERTS.name] == config["rule_files"]
    targets = {job["job_name"]: job["dns_sd_configs"][0] for job in config["scrape_configs"]}
    assert {name: (t["names"], t["port"]) for name, t in targets.items()} == {
        "gateway": (["gateway"], 9100), "entitlement": (["entitlement"], 8001), "claims": (["claims"], 8002),
        "payments": (["payments"], 8003), "payments-worker": (["payments-worker"], 9100)}
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    assert compose["gateway"]["environment"]["GATEWAY_METRICS_PORT"] == "9100"
    assert compose["payments-worker"]["environment"]["PAYMENTS_WORKER_METRICS_PORT"] == "9100"
