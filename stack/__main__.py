"""python -m stack {run,run-pair,migrate,contracts}"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description="血费减免 platform tools")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start PostgreSQL, migrate, seed, and run every service (make run)")
    sub.add_parser("run-pair", help="two platforms, Beijing (PORT) and Zhejiang (PORT+100), partners (make run-pair)")
    sub.add_parser("migrate", help="apply all migrations to DATABASE_URL")
    sub.add_parser("contracts", help="write the OpenAPI snapshots into contracts/openapi/")
    args = parser.parse_args(argv)
    if args.command == "run":
        from stack.run import main as run

        return run()
    if args.command == "run-pair":
        from stack.pair import main as run_pair

        return run_pair()
    if args.command == "migrate":
        from stack.migrate import upgrade
        from stack.run import normalise_url

        url = os.environ.get("DATABASE_URL")
        if not url:
            print("DATABASE_URL is not set", file=sys.stderr)
            return 2
        upgrade(normalise_url(url))
        return 0
    if args.command == "contracts":
        from stack.contracts import write_snapshots

        for path in write_snapshots():
            print(f"wrote {path}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
