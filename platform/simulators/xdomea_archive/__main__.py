"""``python -m simulators.xdomea_archive answer MESSAGE --out FOLDER`` (file drop) or ``serve --port 5060``
(HTTP: POST a message to ``/nachrichten``, get a ZIP with the answers)."""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from amtsweg.archive.xdomea import InvalidMessage
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from simulators.xdomea_archive import ArchiveSimulator, Rules, SimulatorRefused


def _rules(args: argparse.Namespace) -> Rules:
    units = dict(item.split("=", 1) for item in args.unit)
    return Rules(b_decision=args.b_decision, units=units)


def wsgi_app(simulator: ArchiveSimulator) -> Callable[..., Any]:
    """POST /nachrichten with a message as body → 200 and a ZIP of the answer files, or 400 and why."""

    @Request.application
    def application(request: Request) -> Response:
        if request.path != "/nachrichten" or request.method != "POST":
            return Response("POST a message to /nachrichten\n", status=404)
        try:
            answers = simulator.answer(request.get_data())
        except (InvalidMessage, ValueError) as exc:
            return Response(f"{exc}\n", status=400, mimetype="text/plain")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as bundle:
            for name, content in answers:
                bundle.writestr(name, content)
        return Response(buffer.getvalue(), mimetype="application/zip")

    return application


def main(argv: list[str] | None = None) -> int:
    """Answer one message file (file drop) or serve over HTTP; the exit status says how it went."""
    parser = argparse.ArgumentParser(prog="python -m simulators.xdomea_archive",
                                     description="A simulated archive answering xdomea 3.1.0 Aussonderung messages.")
    parser.add_argument("--b-decision", choices=("A", "V"), default="A", help="what an object offered with B becomes")
    parser.add_argument("--unit", action="append", default=[], metavar="UNIT=A|V",
                        help="decide all objects of an Aktenplan unit this way (repeatable)")
    commands = parser.add_subparsers(dest="command", required=True)
    drop = commands.add_parser("answer", help="answer one message file; the answers are written to --out")
    drop.add_argument("message", type=Path)
    drop.add_argument("--out", type=Path, required=True)
    serve = commands.add_parser("serve", help="answer messages POSTed to /nachrichten")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5060)
    args = parser.parse_args(argv)
    try:
        simulator = ArchiveSimulator(_rules(args))
    except SimulatorRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    if args.command == "answer":
        try:
            answers = simulator.answer(args.message.read_bytes())
        except (InvalidMessage, ValueError) as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        for name, content in answers:
            (args.out / name).write_bytes(content)
            print(args.out / name)
        return 0
    server = make_server(args.host, args.port, wsgi_app(simulator), threaded=True)
    print(f"xdomea archive simulator on http://{args.host}:{server.port}/nachrichten", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
