"""``python -m simulators.saml_idp serve|settings`` (see the package docstring)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from amtsweg.settings import LOOPBACK_HOSTS, SAML_IDP_SETTINGS
from werkzeug.serving import make_server

from simulators.saml_idp.app import create_app
from simulators.saml_idp.idp import simulated_idps


def _refuse_production(host: str) -> None:
    if os.environ.get("AMTSWEG_ENV") == "production":
        sys.exit("The SAML simulator never runs in production (AMTSWEG_ENV=production).")
    if host not in LOOPBACK_HOSTS:
        sys.exit(f"The SAML simulator only listens on a loopback address, not {host}.")


def _base_url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def _exit_with_parent() -> None:
    """Stop once the process that started us is gone (`make run` ended however it ended)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def serve(host: str, port: int, data_dir: Path, exit_with_parent: bool) -> None:
    """Serve the simulated IdPs until stopped; prints ``READY <base URL>`` once listening."""
    # Bind first: with port 0 the address (and so every URL in the metadata) is known only then.
    server = make_server(host, port, None, threaded=True)  # type: ignore[arg-type]
    base_url = _base_url(host, server.server_port)
    server.app = create_app(base_url, data_dir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if exit_with_parent:
        _exit_with_parent()
    print(f"READY {base_url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def settings(host: str, port: int, data_dir: Path) -> None:
    """The app's environment to trust this simulator (metadata URL and pinned fingerprint per IdP)."""
    base_url = _base_url(host, port)
    for key, idp in simulated_idps(base_url, data_dir).items():
        metadata, fingerprints = SAML_IDP_SETTINGS[key]
        print(f"AMTSWEG_{metadata}={base_url}/{key}/metadata.xml")
        print(f"AMTSWEG_{fingerprints}={idp.fingerprint()}")


def main() -> None:
    """The command line (see the package docstring)."""
    parser = argparse.ArgumentParser(prog="python -m simulators.saml_idp", description=__doc__)
    parser.add_argument("command", choices=["serve", "settings"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--data-dir", type=Path, required=True, help="keys and the sp/ folder of SP metadata")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the starting process ends")
    args = parser.parse_args()
    _refuse_production(args.host)
    if args.command == "serve":
        serve(args.host, args.port, args.data_dir, args.exit_with_parent)
    else:
        settings(args.host, args.port, args.data_dir)


if __name__ == "__main__":
    main()
