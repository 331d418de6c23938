"""Services never import each other, and the kit imports none of them (import-linter)."""

from __future__ import annotations

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
