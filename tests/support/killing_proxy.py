"""A test-only HTTP proxy in front of a service, run as its own process, that can SIGKILL a process
at one exact moment: when the upstream has answered a chosen request, before that answer is passed
on. Put in front of entitlement, it kills the claims service between "hold placed" and "recorded".

    python -m tests.support.killing_proxy --port 9100 --upstream http://127.0.0.1:8001
    POST /_proxy/arm {"pid": 1234, "method": "POST", "path_prefix": "/v1/holds"}   (once)
    GET  /_proxy/state -> {"armed": false, "killed": [1234]}
"""

from __future__ import annotations

import argparse
import os
import signal

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length",
              "content-encoding", "host"}


class Arm(BaseModel):
    pid: int
    method: str = "POST"
    path_prefix: str


def create_app(upstream: str) -> FastAPI:
    app = FastAPI()
    app.state.armed = None
    app.state.killed = []
    client = httpx.AsyncClient(base_url=upstream, timeout=30, trust_env=False)

    @app.post("/_proxy/arm")
    async def arm(body: Arm) -> dict[str, object]:
        app.state.armed = body
        return {"armed": True}

    @app.get("/_proxy/state")
    async def state() -> dict[str, object]:
        return {"armed": app.state.armed is not None, "killed": app.state.killed}

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def forward(path: str, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream_response = await client.request(request.method, "/" + path, params=request.query_params,
                                                 content=await request.body(), headers=headers)
        armed: Arm | None = app.state.armed
        if armed and request.method == armed.method and request.url.path.startswith(armed.path_prefix):
            app.state.armed = None
            os.kill(armed.pid, signal.SIGKILL)  # the caller dies with the answer on its way
            app.state.killed.append(armed.pid)
        out = {k: v for k, v in upstream_response.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(upstream_response.content, status_code=upstream_response.status_code, headers=out)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.upstream), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
