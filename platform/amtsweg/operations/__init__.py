"""Operations: health and metrics endpoints, request logging, background jobs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from amtsweg import jobs, logging
    from amtsweg.operations import metrics

    logging.init_app(app)
    metrics.init_app(app)
    jobs.init_app(app)
