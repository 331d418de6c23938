"""python -m sandboxes.bank [--host 127.0.0.1] [--port 8009] [--data-dir DIR] [--settle-delay-s 3]"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from sandboxes.bank.app import create_app
from sandboxes.bank.settings import SandboxSettings


def main(argv: list[str] | None = None) -> None:
    defaults = SandboxSettings()
    parser = argparse.ArgumentParser(prog="python -m sandboxes.bank", description="银行沙箱 BANK SANDBOX")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8009)
    parser.add_argument("--data-dir", type=Path, default=defaults.data_dir)
    parser.add_argument("--settle-delay-s", type=float, default=defaults.settle_delay_s)
    args = parser.parse_args(argv)
    settings = defaults.model_copy(update={"data_dir": args.data_dir, "settle_delay_s": args.settle_delay_s})
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning",
                server_header=False, timeout_graceful_shutdown=2)


if __name__ == "__main__":
    main()
