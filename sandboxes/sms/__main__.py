"""python -m sandboxes.sms [--host 127.0.0.1] [--port 8007]  (短信沙箱 SMS SANDBOX)"""

from __future__ import annotations

import argparse

import uvicorn

from sandboxes.sms.app import app_from_env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.sms", description="短信沙箱 SMS SANDBOX")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8007)
    args = parser.parse_args(argv)
    uvicorn.run(app_from_env(), host=args.host, port=args.port, log_level="warning", server_header=False,
                timeout_graceful_shutdown=2)


if __name__ == "__main__":
    main()
