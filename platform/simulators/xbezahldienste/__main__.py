"""``python -m simulators.xbezahldienste --port 5050 [--demo] [--accounts FILE] [--cert … --key … --client-ca …]``."""

from __future__ import annotations

import argparse
import contextlib
import json
import ssl
import sys
from pathlib import Path

from werkzeug.serving import make_server

from simulators.xbezahldienste.app import Account, SimulatorRefused, create_app


def main(argv: list[str] | None = None) -> int:
    """Start the simulator (refused in production)."""
    parser = argparse.ArgumentParser(prog="python -m simulators.xbezahldienste",
                                     description="A simulated XBezahldienste 1.0.0 payment provider.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5050)
    parser.add_argument("--demo", action="store_true", help="any originator, no credentials (development)")
    parser.add_argument("--accounts", type=Path, help="JSON list of accounts (originator_id, auth, credentials)")
    parser.add_argument("--token-seconds", type=int, default=300, help="lifetime of OAuth2 access tokens")
    parser.add_argument("--control-token", default="", help="required in X-Control-Token by /_control/…")
    parser.add_argument("--cert", type=Path, help="server certificate (PEM): serve HTTPS")
    parser.add_argument("--key", type=Path, help="its private key (PEM)")
    parser.add_argument("--client-ca", type=Path, help="CA whose client certificates are accepted (mutual TLS)")
    args = parser.parse_args(argv)
    accounts = [Account(**entry) for entry in json.loads(args.accounts.read_text())] if args.accounts else []
    try:
        app = create_app(accounts, demo=args.demo, token_seconds=args.token_seconds,
                         control_token=args.control_token)
    except SimulatorRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            # Optional: Basic and OAuth2 clients connect without a certificate; mTLS accounts need one.
            context.verify_mode = ssl.CERT_OPTIONAL
            context.load_verify_locations(args.client_ca)
    server = make_server(args.host, args.port, app, threaded=True, ssl_context=context)
    scheme = "https" if context else "http"
    print(f"XBezahldienste simulator on {scheme}://{args.host}:{server.port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
