"""Services never import each other, and the kit imports none of them (import-linter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_a_cross_service_import_would_be_caught(tmp_path: Path) -> None:
    """The rule is live: a config naming a forbidden import makes lint-imports fail."""
    config = tmp_path / "importlinter.ini"
    config.write_text(
        "[importlinter]\nroot_packages =\n    kit\n    services\n    gateway\n\n"
        "[importlinter:contract:probe]\nname = probe\ntype = forbidden\n"
        "source_modules = gateway.app\nforbidden_modules = kit.identity\n"
    )
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache", "--config", str(config)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "gateway.app -> kit.identity" in result.stdout


# Reading the wall clock anywhere but kit/clock.py would escape a pinned or moved clock.
WALL_CLOCK_READS = ("now", "utcnow", "today", "time", "time_ns")
CLOCKED_PACKAGES = ("services", "gateway", "sandboxes", "stack", "kit")


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """`datetime.now()`, `date.today()`, `time.time()` and friends: calls of those names on a
    `datetime`, `date` or `time` object or module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in WALL_CLOCK_READS and isinstance(node.func.value, ast.Name | ast.Attribute)):
            owner = node.func.value.attr if isinstance(node.func.value, ast.Attribute) else node.func.value.id
            if owner in ("datetime", "date", "time", "dt"):
                found.append((node.lineno, f"{owner}.{node.func.attr}()"))
    return found


def test_nothing_reads_the_wall_clock_behind_the_kit_clock() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for package in CLOCKED_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "kit" / "clock.py"
        for line, call in wall_clock_reads(path.read_text())
    ]
    assert offenders == [], "use kit.clock instead:\n" + "\n".join(offenders)


def test_the_clock_rule_catches_each_spelling() -> None:
    source = "import time\nfrom datetime import date, datetime\nimport datetime as dt\n" \
             "a = datetime.now(UTC)\nb = date.today()\nc = time.time()\nd = dt.datetime.now()\ne = clock.now()\n"
    assert [call for _, call in wall_clock_reads(source)] == [
        "datetime.now()", "date.today()", "time.time()", "datetime.now()"]
