"""Settings of background jobs, mail, logging and metrics, with their defaults.

Applied under the values from ``settings.DEFAULTS``, ``config/<ENV>.py`` and ``create_app``
overrides; each can be set as ``AMTSWEG_<NAME>`` in the environment.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from amtsweg.settings import environment_overrides

DEFAULTS: dict[str, Any] = {
    # seconds a request waits for Redis before it gives up (the outbox keeps the work)
    "REDIS_TIMEOUT": 2,
    # SMTP relay; empty = mails are written as .eml files to MAIL_DIR
    "MAIL_SMTP_HOST": "",
    "MAIL_SMTP_PORT": 587,
    "MAIL_SMTP_USER": "",
    "MAIL_SMTP_PASSWORD": "",
    # starttls (port 587) | tls (implicit TLS, port 465) | none (only for a relay on localhost)
    "MAIL_SMTP_SECURITY": "starttls",
    # seconds for connecting to and talking with the SMTP server
    "MAIL_SMTP_TIMEOUT": 10,
    # folder for .eml files when no SMTP host is set; empty = <INSTANCE_DIR>/mail
    "MAIL_DIR": "",
    # delivery attempts of an outbox row before it is marked failed (operators can retry it)
    "OUTBOX_MAX_ATTEMPTS": 10,
    # seconds one delivery attempt holds its outbox row; longer than the SMTP timeout
    "OUTBOX_LEASE_SECONDS": 300,
    # text | json; empty = json in production, text elsewhere
    "LOG_FORMAT": "",
    "LOG_LEVEL": "INFO",
    # bearer token required by /metrics; empty = open (restrict it in the reverse proxy)
    "METRICS_TOKEN": "",
}


def apply_defaults(app: Flask) -> None:
    """Fill in settings that neither the config file nor the overrides gave."""
    from_environment = environment_overrides(os.environ, DEFAULTS)
    for name, default in DEFAULTS.items():
        if name not in app.config:
            app.config[name] = from_environment.get(name, default)
    if not app.config["LOG_FORMAT"]:
        app.config["LOG_FORMAT"] = "json" if app.config["ENV"] == "production" else "text"
