"""Every setting of amtsweg with its default.

Defaults are the embedded set-up of `make run`: SQLite in ``instance/``, files on disk, jobs inline.
A per-environment file from ``config/`` is applied over them, then environment variables named
``AMTSWEG_<NAME>`` (and the conventional ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]

DEFAULTS: dict[str, Any] = {
    # development | testing | production; selects config/<ENV>.py
    "ENV": "development",
    # signs sessions and CSRF tokens; production refuses the default
    "SECRET_KEY": "dev-only-insecure-secret-key",
    # SQLAlchemy URL used by the app; PostgreSQL in production (app role, not the table owner)
    "DATABASE_URL": "",
    # SQLAlchemy URL for migrations (the table owner); empty = DATABASE_URL
    "MIGRATION_DATABASE_URL": "",
    # SQLAlchemy URL for cross-town work (scheduler sweeps, platform administration, library sync): a
    # role with BYPASSRLS; required on PostgreSQL, where the app's own role sees only one town at a time
    "OPS_DATABASE_URL": "",
    # production only starts on SQLite when this is true
    "ALLOW_SQLITE_IN_PRODUCTION": False,
    # towns live at <slug>.<BASE_DOMAIN>; the cross-town admin at admin.<BASE_DOMAIN>
    "BASE_DOMAIN": "localhost",
    # host names (without port) the app answers to; empty = derived from BASE_DOMAIN and aliases
    "TRUSTED_HOSTS": [],
    # scheme of links that leave the app (mails, jobs, PDFs, exports); production: https
    "PREFERRED_URL_SCHEME": "http",
    # port of those links; 0 = the port of the request being served (none outside a request)
    "EXTERNAL_PORT": 0,
    # number of proxies whose X-Forwarded-* headers are trusted (0 = none)
    "PROXY_COUNT": 0,
    # folder with one sub-folder per town (tenant.toml)
    "TENANTS_DIR": str(REPOSITORY_ROOT / "tenants"),
    # folder with the shared process library
    "PROCESSES_DIR": str(REPOSITORY_ROOT / "shared_processes"),
    # writable folder for the SQLite database, documents and mail files
    "INSTANCE_DIR": str(REPOSITORY_ROOT / "instance"),
    # folder of the installed KERN UX package (npm @kern-ux/native)
    "KERN_DIR": str(REPOSITORY_ROOT / "node_modules" / "@kern-ux" / "native" / "dist"),
    # Redis for RQ jobs; empty = jobs run inline after the request's commit
    "REDIS_URL": "",
    # largest request body in bytes (uploads included)
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    # session lifetime in seconds (hours, not weeks)
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # send cookies only over HTTPS (true in production)
    "SESSION_COOKIE_SECURE": False,
    # Strict-Transport-Security max-age in seconds; 0 = no header (production sets it)
    "HSTS_SECONDS": 0,
    # languages offered in the switch; the first is the default
    "LANGUAGES": ["de", "en"],
    # staff sessions end after this many seconds without a request
    "AUTH_IDLE_TIMEOUT": 30 * 60,
    # staff sessions end this many seconds after login, however active
    "AUTH_ABSOLUTE_TIMEOUT": 8 * 3600,
    # OpenID Connect provider of the admin host (issuer URL and client id); secret: AMTSWEG_SSO_SECRET_ADMIN
    "ADMIN_SSO_ISSUER": "",
    "ADMIN_SSO_CLIENT_ID": "",
    # citizen accounts (state Nutzerkonto/BundID bridge): OpenID Connect issuer and client id, one client
    # for all towns (redirect URI /buergerkonto/rueckruf on each town host); secret: AMTSWEG_CITIZEN_OIDC_SECRET;
    # empty = no citizen login
    "CITIZEN_OIDC_ISSUER": "",
    "CITIZEN_OIDC_CLIENT_ID": "",
    # SAML 2.0 citizen login (towns with [citizen_login] provider = "saml"): folder of each town's service
    # provider keys, <folder>/<slug>/: signing.key + signing.crt sign requests, further signing-*.crt are
    # published beside it (key rollover); every encryption*.key + .crt pair is published and decrypts
    # assertions. Empty = <INSTANCE_DIR>/saml; `flask saml keys` creates missing keys
    "SAML_KEY_DIR": "",
    # BundID's IdP metadata: a file or an https URL; empty = no BundID login
    "SAML_BUNDID_METADATA": "",
    # SHA-256 fingerprints (hex) of BundID's signing certificates; metadata naming any other is refused
    "SAML_BUNDID_FINGERPRINTS": [],
    # Mein Unternehmenskonto's IdP metadata and signing certificate fingerprints, as for BundID
    "SAML_MUK_METADATA": "",
    "SAML_MUK_FINGERPRINTS": [],
    # seconds the clocks of identity provider and server may differ when checking assertion times
    "SAML_CLOCK_SKEW": 60,
    # seconds fetched IdP metadata is used before it is fetched again
    "SAML_METADATA_TTL": 3600,
    # testing only: replaces every town's and the admin host's SSO issuer (ignored in other environments)
    "SSO_ISSUER_OVERRIDE": "",
    # days before a contract's notice deadline at which the responsible person and deputy are reminded
    "CONTRACT_REMINDER_DAYS": [90, 30, 7],
    # days after its last change an unfinished application (draft) is deleted
    "DRAFT_EXPIRY_DAYS": 30,
    # days after closing a case is archived (still readable, no longer changed); retention then runs
    # for the years its process definition says, and the case is handed to the archive or deleted
    "ARCHIVE_AFTER_DAYS": 30,
    # folder of the xdomea hand-off packages for the archive (one sub-folder per town);
    # empty = <INSTANCE_DIR>/archive
    "ARCHIVE_DIR": "",
    # the archive named as recipient in xdomea hand-offs. PLACEHOLDER: confirm with each town which
    # archive is responsible for it (state archive or a municipal/district archive)
    "ARCHIVE_RECIPIENT": "Hessisches Landesarchiv",
    # where document contents are stored: filesystem (DOCUMENTS_DIR) | s3 (an S3-compatible object store)
    "DOCUMENTS_BACKEND": "filesystem",
    # folder of uploaded documents (one sub-folder per town); empty = <INSTANCE_DIR>/documents
    "DOCUMENTS_DIR": "",
    # s3: folder for uploads being received and checked; empty = <INSTANCE_DIR>/documents-staging. With
    # several app servers a folder they and the workers share (the staging sweep finishes failed moves)
    "DOCUMENTS_STAGING_DIR": "",
    # s3: endpoint URL (MinIO, Ceph RGW, …; empty = AWS), bucket and region
    "DOCUMENTS_S3_ENDPOINT_URL": "",
    "DOCUMENTS_S3_BUCKET": "",
    "DOCUMENTS_S3_REGION": "",
    # s3: path (MinIO, Ceph) | virtual (AWS) addressing of the bucket
    "DOCUMENTS_S3_ADDRESSING": "path",
    # s3: access key; empty = boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, role)
    "DOCUMENTS_S3_ACCESS_KEY_ID": "",
    "DOCUMENTS_S3_SECRET_ACCESS_KEY": "",
    # s3: seconds to connect to and read from the store
    "DOCUMENTS_S3_TIMEOUT": 10,
    # s3: object-lock mode for documents of closed Vorgänge: COMPLIANCE | GOVERNANCE | empty = none;
    # only used when the bucket was created with object lock
    "DOCUMENTS_S3_OBJECT_LOCK_MODE": "COMPLIANCE",
    # stored document versions re-hashed per town by the daily integrity check; 0 = all of them
    "DOCUMENTS_VERIFY_SAMPLE": 200,
    # hours before a stored object no document points to (or a staging file) is removed
    "DOCUMENTS_ORPHAN_GRACE_HOURS": 24,
    # clamd to scan uploads with: a socket path or host:port; empty = no virus scan (production
    # refuses to start without one unless ALLOW_UNSCANNED_UPLOADS is true)
    "CLAMD_ADDRESS": "",
    # production only starts without CLAMD_ADDRESS when this is true (uploads are then not scanned)
    "ALLOW_UNSCANNED_UPLOADS": False,
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
    # calls per API key (all of a key's calls together; calls without a key per client address);
    # counted in Redis when REDIS_URL is set, else in memory
    "API_RATE_LIMIT": "600 per minute",
    # seconds a webhook call may take (connecting and answering) before it counts as failed
    "WEBHOOK_TIMEOUT": 10,
    # testing only: webhooks may go to loopback addresses over plain HTTP (ignored in other environments)
    "WEBHOOK_ALLOW_LOOPBACK": False,
    # days after its start an online payment that is not final is still asked about by reconciliation
    "PAYMENT_RECONCILE_DAYS": 14,
    # minutes after which an online payment whose start never reached the provider counts as failed
    "PAYMENT_START_ABANDON_MINUTES": 30,
    # development only: every town's online payment goes to this XBezahldienste simulator (no credentials);
    # production refuses to start with it set
    "PAYMENT_SIMULATOR_URL": "",
    # requests per client address to pages behind a secret token (status link, resume link, calendar
    # address), all together; counted in Redis when REDIS_URL is set (shared by all workers), else in memory
    "TOKEN_LOOKUP_LIMIT": "60 per minute",
    # login attempts (SSO start and return, development login, citizen login) per client address
    "LOGIN_LIMIT": "20 per minute",
    # text | json (production: json)
    "LOG_FORMAT": "text",
    "LOG_LEVEL": "INFO",
    # bearer token required by /metrics; empty = open (restrict it in the reverse proxy)
    "METRICS_TOKEN": "",
}

# Settings that are also read under their conventional bare name (e.g. DATABASE_URL).
BARE_NAMES = frozenset({"DATABASE_URL", "REDIS_URL", "SECRET_KEY"})


def _coerce(raw: str, default: Any) -> Any:
    """Turn an environment string into the type of the setting's default."""
    if isinstance(default, bool):
        if raw.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        raw = raw.strip()
        if raw.startswith("["):
            return json.loads(raw)
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def environment_overrides(environ: os._Environ[str] | dict[str, str], known: dict[str, Any]) -> dict[str, Any]:
    """Settings given as ``AMTSWEG_<NAME>`` (or a conventional bare name) in the environment."""
    overrides: dict[str, Any] = {}
    for name, default in known.items():
        for key in (f"AMTSWEG_{name}", name if name in BARE_NAMES else None):
            if key and key in environ:
                try:
                    overrides[name] = _coerce(environ[key], default)
                except ValueError as exc:
                    raise RuntimeError(f"Setting {key}: {exc}") from exc
                break
    return overrides


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


def check_production(config: dict[str, Any]) -> None:
    """Refuse to start a production deployment with unsafe settings."""
    problems = []
    if config["SECRET_KEY"] == DEFAULTS["SECRET_KEY"] or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY is the default or shorter than 32 characters")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not config["ALLOW_SQLITE_IN_PRODUCTION"]:
        problems.append("DATABASE_URL is SQLite; set AMTSWEG_ALLOW_SQLITE_IN_PRODUCTION=true to allow it")
    if not config["BASE_DOMAIN"] or config["BASE_DOMAIN"] == "localhost":
        problems.append("BASE_DOMAIN is not set to the deployment's domain")
    if not config["TRUSTED_HOSTS"]:
        problems.append("TRUSTED_HOSTS is empty")
    if config["PAYMENT_SIMULATOR_URL"]:
        problems.append("PAYMENT_SIMULATOR_URL is set; the payment simulator is for development only")
    if not config["CLAMD_ADDRESS"] and not config["ALLOW_UNSCANNED_UPLOADS"]:
        problems.append("CLAMD_ADDRESS is not set, so uploads would not be scanned for malware; set "
                        "AMTSWEG_ALLOW_UNSCANNED_UPLOADS=true to allow it")
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not config["OPS_DATABASE_URL"]:
        problems.append("OPS_DATABASE_URL is not set (the role for cross-town work, see the README)")
    problems.extend(saml_production_problems(config))
    if problems:
        raise ConfigurationError("Production configuration refused: " + "; ".join(problems))


# The settings naming each SAML identity provider's metadata and its pinned fingerprints, by IdP key.
SAML_IDP_SETTINGS = {
    "bundid": ("SAML_BUNDID_METADATA", "SAML_BUNDID_FINGERPRINTS"),
    "muk": ("SAML_MUK_METADATA", "SAML_MUK_FINGERPRINTS"),
}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def saml_production_problems(config: dict[str, Any]) -> list[str]:
    """IdP metadata that is unpinned, fetched without TLS or from this machine (the local simulator),
    or no xmlsec1 to check it with."""
    problems = []
    configured = [metadata for metadata, _ in SAML_IDP_SETTINGS.values() if config[metadata]]
    if configured and shutil.which("xmlsec1") is None:
        problems.append(f"{configured[0]} is set but xmlsec1 is not installed (Debian package xmlsec1)")
    for metadata, fingerprints in SAML_IDP_SETTINGS.values():
        source = config[metadata]
        if not source:
            continue
        if not config[fingerprints]:
            problems.append(f"{metadata} is set but {fingerprints} is empty (the IdP's certificates must be pinned)")
        host = urlsplit(source).hostname or ""
        if source.startswith("http://") or host in LOOPBACK_HOSTS or host.endswith(".localhost"):
            problems.append(f"{metadata} points to {source}: the local SAML simulator or plain HTTP, never production")
    return problems
