"""How long our HTTP clients keep an idle connection, in a module of its own: the station CSV
CLI needs the number without importing kit.http (aiohttp and tracing: ~0.4 s of its start-up).

An idle kept-alive connection is given up by the client before the server closes it: uvicorn
closes one idle for 5 s (`--timeout-keep-alive`, our services' default). With both at 5 s, a
request sent on a connection just as the server closed it fails (aiohttp: ServerDisconnected,
which httpx-aiohttp reports as ConnectTimeout), and a POST is not retried: a 503 for a request
the service never saw (seen in `make bench` as "entitlement service did not answer in time",
when the gateway's first quote came about 5 s after its last)."""

CLIENT_KEEPALIVE_S = 4.0
