"""python -m sandboxes.wechat [--host 127.0.0.1] [--port 8008]  (微信沙箱 WECHAT SANDBOX)"""

from __future__ import annotations

import argparse

import uvicorn

from sandboxes.wechat.app import app_from_env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.wechat", description="微信沙箱 WECHAT SANDBOX")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8008)
    args = parser.parse_args(argv)
    uvicorn.run(app_from_env(), host=args.host, port=args.port, log_level="warning", server_header=False,
                timeout_graceful_shutdown=2)


if __name__ == "__main__":
    main()
