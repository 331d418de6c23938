"""Load rule-set data files and pick the one in force.

Each ``*.yaml`` file is checked against ``ruleset.schema.json`` first (the operator gets a field
path and a reason), then parsed into a ``RuleSet``; cross-file checks follow (unique ids,
no two sets of one province in force on the same day).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import ValidationError

from services.entitlement.rules.errors import NoRuleSetInForce, RuleSetFileError
from services.entitlement.rules.ruleset import RuleSet

SCHEMA_PATH = Path(__file__).with_name("ruleset.schema.json")
SHIPPED_DATA_DIR = Path(__file__).with_name("data")


class _DatesAsStrings(yaml.SafeLoader):
    """SafeLoader that leaves ``2009-11-01`` a string, so the JSON Schema can check it."""


_DatesAsStrings.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _field_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_rule_set(raw: Any, source: str) -> RuleSet:
    """A rule set from parsed YAML or JSON (a data file, or a draft posted for a what-if)."""
    errors = sorted(_validator().iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        # best_match prefers the deepest, most specific error over oneOf summaries.
        error = jsonschema.exceptions.best_match(errors)
        assert error is not None
        raise RuleSetFileError(source, _field_path(error.absolute_path), error.message)
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RuleSetFileError(source, _field_path(first["loc"]), first["msg"]) from exc


def load_rule_set_file(path: Path) -> RuleSet:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_DatesAsStrings)  # noqa: S506
    except yaml.YAMLError as exc:
        raise RuleSetFileError(str(path), "", f"not valid YAML: {exc}") from exc
    rule_set = parse_rule_set(raw, str(path))
    if rule_set.id.lower() != path.stem:
        raise RuleSetFileError(
            str(path), "id", f"{rule_set.id!r} must equal the file name in upper case"
        )
    return rule_set


def _overlaps(a: RuleSet, b: RuleSet) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from < b_end and b.effective_from < a_end


def load_rule_sets(directory: Path = SHIPPED_DATA_DIR) -> dict[str, RuleSet]:
    """All rule sets in ``directory`` keyed by id; any invalid file raises RuleSetFileError."""
    rule_sets: dict[str, RuleSet] = {}
    for path in sorted(directory.glob("*.yaml")):
        rule_set = load_rule_set_file(path)
        for other in rule_sets.values():
            if other.province == rule_set.province and _overlaps(other, rule_set):
                raise RuleSetFileError(
                    str(path),
                    "effective_from",
                    f"period overlaps rule set {other.id!r} of province {rule_set.province}",
                )
        rule_sets[rule_set.id] = rule_set
    return rule_sets


def select_rule_set(rule_sets: Mapping[str, RuleSet], province: str, used_on: date) -> RuleSet:
    """The rule set of ``province`` in force on ``used_on`` (from inclusive, to exclusive)."""
    of_province = [rs for rs in rule_sets.values() if rs.province == province]
    if not of_province:
        raise NoRuleSetInForce(
            "province",
            f"省份 {province} 没有配置减免规则 / no rule set is configured for province {province}",
        )
    in_force = [rs for rs in of_province if rs.in_force_on(used_on)]
    if not in_force:
        raise NoRuleSetInForce(
            "used_on",
            f"省份 {province} 在 {used_on.isoformat()} 没有生效的减免规则 / "
            f"no rule set of province {province} is in force on {used_on.isoformat()}",
        )
    return max(in_force, key=lambda rs: rs.effective_from)
