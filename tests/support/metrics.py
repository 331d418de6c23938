"""Reading Prometheus text the way Prometheus does (prometheus_client's own parser)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


def series_names(text: str) -> set[str]:
    """Every series name a scrape can hold, declared families included even before their first
    sample (a counter `x` is scraped as `x_total`, a histogram as `x_bucket`, `x_sum`, `x_count`)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
                    "summary": ("_sum", "_count", "")}.get(family.type, ("",))
        names |= {family.name + suffix for suffix in suffixes}
        names |= {s.name for s in family.samples}
    return names
