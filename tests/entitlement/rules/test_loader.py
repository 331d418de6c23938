"""Rule-set files: schema validation with precise errors, and picking the set in force."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from services.entitlement.rules import (
    SCHEMA_PATH,
    SHIPPED_DATA_DIR,
    NoRuleSetInForce,
    RuleSet,
    RuleSetFileError,
    load_rule_sets,
    select_rule_set,
)

BJ_TEXT = (SHIPPED_DATA_DIR / "bj-2009.yaml").read_text(encoding="utf-8")


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text("utf-8")))


def test_all_shipped_files_load() -> None:
    rule_sets = load_rule_sets()
    assert {rs.id: rs.province for rs in rule_sets.values()} == {
        "BJ-2009": "11",
        "ZJ-2014": "33",
        "JS": "32",
        "GD": "44",
        "HA": "41",
        "AH": "34",
        "GZ": "52",
    }
    assert rule_sets["BJ-2009"].confidence == "high"
    assert rule_sets["GZ"].quotas_configured is False
    assert all(rs.legal_reference and rs.source_note for rs in rule_sets.values())


def test_rule_sets_round_trip_through_json() -> None:
    # The API serves rule sets with model_dump(by_alias=True); fractions stay exact strings.
    for rule_set in load_rule_sets().values():
        dumped = rule_set.model_dump(mode="json", by_alias=True)
        json.dumps(dumped)
        assert RuleSet.model_validate(dumped) == rule_set
    assert (
        load_rule_sets()["AH"].model_dump(mode="json", by_alias=True)["relatives"]["fee_fraction"]
        == "1/2"
    )


def test_negative_multiplier_names_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "bj-2009", BJ_TEXT.replace("multiplier: 5}", "multiplier: -1}"))
    with pytest.raises(RuleSetFileError) as err:
        load_rule_sets(tmp_path)
    assert str(err.value) == (
        f"{path}: self.tiers[1].grant.windows[0].multiplier: -1 is less than the minimum of 0"
    )
    assert err.value.field_path == "self.tiers[1].grant.windows[0].multiplier"


def test_unquoted_province_code_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "bj-2009", BJ_TEXT.replace('province: "11"', "province: 11"))
    with pytest.raises(RuleSetFileError, match=r"bj-2009\.yaml: province: 11 is not of type"):
        load_rule_sets(tmp_path)


def test_missing_required_field_is_named(tmp_path: Path) -> None:
    text = "\n".join(line for line in BJ_TEXT.splitlines() if not line.startswith("confidence:"))
    write(tmp_path, "bj-2009", text)
    with pytest.raises(RuleSetFileError, match="'confidence' is a required property"):
        load_rule_sets(tmp_path)


def test_unknown_relationship_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "bj-2009", BJ_TEXT.replace("[spouse, parent, child]", "[spouse, cousin]"))
    with pytest.raises(RuleSetFileError) as err:
        load_rule_sets(tmp_path)
    assert err.value.field_path == "relatives.classes[0].relationships[1]"


def test_windows_out_of_order_fail_after_the_schema(tmp_path: Path) -> None:
    text = BJ_TEXT.replace("{within_years: 10, multiplier: 5}", "{multiplier: 5}")
    write(tmp_path, "bj-2009", text)
    with pytest.raises(RuleSetFileError) as err:
        load_rule_sets(tmp_path)
    assert err.value.field_path.startswith("self.tiers[1].grant")
    assert "only the last window may omit within_years" in str(err.value)


def test_fee_fraction_of_zero_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "bj-2009", BJ_TEXT.replace('fee_fraction: "1"', 'fee_fraction: "0"', 1))
    with pytest.raises(RuleSetFileError, match=r"self: .*fee_fraction must be in \(0, 1\]"):
        load_rule_sets(tmp_path)


def test_float_fee_fraction_is_rejected(tmp_path: Path) -> None:
    write(tmp_path, "bj-2009", BJ_TEXT.replace('fee_fraction: "1"', "fee_fraction: 0.5", 1))
    with pytest.raises(RuleSetFileError, match="self.fee_fraction: 0.5 is not of type 'string'"):
        load_rule_sets(tmp_path)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    write(tmp_path, "bj-2010", BJ_TEXT)
    with pytest.raises(RuleSetFileError, match=r"bj-2010\.yaml: id: 'BJ-2009' must equal"):
        load_rule_sets(tmp_path)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bj-2009", "id: [unclosed\n")
    with pytest.raises(RuleSetFileError, match=str(path)):
        load_rule_sets(tmp_path)


def test_overlapping_periods_of_one_province_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "bj-2009", BJ_TEXT)
    write(
        tmp_path,
        "bj-2020",
        BJ_TEXT.replace("id: BJ-2009", "id: BJ-2020").replace(
            'effective_from: "2009-11-01"', 'effective_from: "2020-01-01"'
        ),
    )
    with pytest.raises(RuleSetFileError, match="overlaps rule set 'BJ-2009'"):
        load_rule_sets(tmp_path)


def test_successive_sets_switch_on_effective_date(tmp_path: Path) -> None:
    write(tmp_path, "bj-2009", BJ_TEXT.replace("effective_to: null", 'effective_to: "2020-01-01"'))
    write(
        tmp_path,
        "bj-2020",
        BJ_TEXT.replace("id: BJ-2009", "id: BJ-2020").replace(
            'effective_from: "2009-11-01"', 'effective_from: "2020-01-01"'
        ),
    )
    rule_sets = load_rule_sets(tmp_path)
    assert select_rule_set(rule_sets, "11", date(2019, 12, 31)).id == "BJ-2009"
    assert select_rule_set(rule_sets, "11", date(2020, 1, 1)).id == "BJ-2020"


def test_select_by_province_and_date() -> None:
    rule_sets = load_rule_sets()
    assert select_rule_set(rule_sets, "11", date(2024, 3, 1)).id == "BJ-2009"
    assert select_rule_set(rule_sets, "11", date(2009, 11, 1)).id == "BJ-2009"
    assert select_rule_set(rule_sets, "44", date(2018, 3, 1)).id == "GD"
    assert select_rule_set(rule_sets, "52", date(2025, 6, 1)).id == "GZ"


def test_unknown_province_raises_no_rule_set_in_force_on_province() -> None:
    with pytest.raises(NoRuleSetInForce) as err:
        select_rule_set(load_rule_sets(), "99", date(2024, 1, 1))
    assert err.value.field == "province"


def test_date_before_any_set_raises_no_rule_set_in_force_on_used_on() -> None:
    with pytest.raises(NoRuleSetInForce) as err:
        select_rule_set(load_rule_sets(), "11", date(2009, 10, 31))
    assert err.value.field == "used_on"
