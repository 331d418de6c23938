"""The station CSV import CLI against a real running system."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import E2E_ADMIN_PASSWORD
from tests.e2e.running import ROOT, RunningStack
from tests.support.people import resident_id, with_wrong_check_digit

pytestmark = pytest.mark.e2e

FIELDS = ["donation_no", "station_code", "cert_type", "cert_number", "name", "province", "military",
          "donated_on", "kind", "volume_ml", "units", "qualified"]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(FIELDS)
        writer.writerows(rows)


def run_cli(stack: RunningStack, path: Path, password: str = E2E_ADMIN_PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XUEFEI_PASSWORD": password}
    return subprocess.run(
        [sys.executable, "-m", "services.entitlement", "import-donations", str(path), "--url", stack.url,
         "--username", "admin", "--batch-size", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_cli_imports_good_rows_reports_bad_ones_and_is_idempotent(running_stack: RunningStack, tmp_path: Path) -> None:
    donor = resident_id("19850505", seq=11)
    good = ["CLI1", "110000-BJBC", "resident_id", donor, "王五", "11", "false", "2022-01-01",
            "whole_blood", "400", "", "true"]
    rows = [
        good,
        ["CLI2", "110000-BJBC", "resident_id", with_wrong_check_digit(donor), "王五", "11", "false", "2022-02-01",
         "whole_blood", "400", "", "true"],
        ["CLI3", "110000-BJBC", "resident_id", donor, "王五", "11", "否", "2022-03-01",
         "platelet_apheresis", "", "2", "是"],
        ["CLI4", "110000-BJBC", "resident_id", donor, "王五", "11", "false", "2022-04-01",
         "whole_blood", "250", "", "true"],
        ["CLI5", "110000-BJBC", "resident_id", donor, "王五", "11", "false", "2022-05-01",
         "whole_blood", "200", "", "true"],
    ]
    path = tmp_path / "station.csv"
    write_csv(path, rows)
    first = run_cli(running_stack, path)
    assert "created 3, unchanged 0, rejected 2" in first.stdout, first.stdout + first.stderr
    assert "row 3:" in first.stdout and "校验位" in first.stdout
    assert "row 5:" in first.stdout and "volume_ml" in first.stdout
    assert first.returncode == 1

    # Again, with one record changed: the changed row is reported, the others are unchanged.
    rows[4][9] = "400"
    write_csv(path, rows)
    second = run_cli(running_stack, path)
    assert "created 0, unchanged 2, rejected 3" in second.stdout, second.stdout + second.stderr
    assert "row 6: conflicts with the record already imported as 110000-BJBC/CLI5" in second.stdout


def test_a_failed_sign_in_imports_nothing(running_stack: RunningStack, tmp_path: Path) -> None:
    """The file is read while the sign-in is under way; nothing is sent unless it succeeds."""
    donor = resident_id("19860606", seq=12)
    path = tmp_path / "station.csv"
    write_csv(path, [["CLI9", "110000-BJBC", "resident_id", donor, "赵六", "11", "false", "2022-01-01",
                      "whole_blood", "400", "", "true"]])
    refused = run_cli(running_stack, path, password="not the password")
    assert refused.returncode == 1
    assert "sign-in failed" in refused.stderr, refused.stdout + refused.stderr
    assert "created" not in refused.stdout
    imported = run_cli(running_stack, path)
    assert "created 1, unchanged 0, rejected 0" in imported.stdout, imported.stdout + imported.stderr
