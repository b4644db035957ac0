"""Operations: health and metrics endpoints, request logging, background jobs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Set up request logging, metrics and background jobs."""
    from amtsweg import jobs, logging
    from amtsweg.operations import metrics

    logging.init_app(app)
    metrics.init_app(app)
    jobs.init_app(app)
