"""``GET /metrics``: the node's metrics in Prometheus' text exposition format.

Mounted by the composition root only when the server is started with ``--metrics``
(``RAMSTS_METRICS=1``). It answers anyone who reaches the port: the figures name products,
actions, error codes and caches, never an account, user, key or address, but they do tell how
busy the service is, so ``docs/operations.md`` says to scrape it from the private network and
keep it off the public path at the proxy.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ramsts.metrics import Metrics

METRICS_PATH = "/metrics"


def metrics_route(metrics: Metrics) -> Route:
    async def scrape(request: Request) -> Response:
        # Reading every worker's files is disk work: off the event loop.
        body, content_type = await run_in_threadpool(metrics.exposition)
        return Response(body, media_type=content_type)

    return Route(METRICS_PATH, scrape, methods=["GET"])
