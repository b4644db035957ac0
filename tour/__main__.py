"""``python -m tour``: serve the demo, visit every page, write screenshots and report findings.

Exits with status 1 when a page shows a finding that ``tour/known.py`` does not list.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))
# The suite's support code starts Chromium and the OpenID provider the same way for the tour.
sys.path.insert(0, str(ROOT / "tests"))

from amtsweg import create_app  # noqa: E402
from support.browser import CHROMIUM_ARGS  # noqa: E402

from tour.browse import DESKTOP_WIDTH, PHONE_WIDTH, Target, Tour  # noqa: E402
from tour.known import known_for  # noqa: E402
from tour.plan import ROLES, build_plan  # noqa: E402
from tour.report import text_report, write_index  # noqa: E402
from tour.server import demo_server, stale_catalogues  # noqa: E402
from tour.walk import walk  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tour", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "instance" / "tour", help="folder for the screenshots")
    parser.add_argument("--only", default="*",
                        help="visit only pages whose name matches one of these patterns (separated by commas)")
    parser.add_argument("--languages", default="de,en")
    parser.add_argument("--widths", default=f"{DESKTOP_WIDTH},{PHONE_WIDTH}")
    parser.add_argument("--quiet", action="store_true", help="no line per visit")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium is not installed (Debian package 'chromium').", file=sys.stderr)
        return 2
    if stale := stale_catalogues():
        print(f"Compile the translations first (make translations): {', '.join(p.parent.parent.name for p in stale)}"
              " has texts newer than its compiled catalogue.", file=sys.stderr)
        return 2
    languages = args.languages.split(",")
    widths = [int(width) for width in args.widths.split(",")]
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    started = time.monotonic()

    def selection(visit):  # type: ignore[no-untyped-def]
        if not any(fnmatchcase(visit.name, pattern) for pattern in args.only.split(",")):
            return []
        return [(language, widths) for language in languages if language in visit.languages]

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="amtsweg-tour-") as folder:
        instance = Path(folder)
        print("Setting up the demo (migrations, towns, library, demo data) …", flush=True)
        with demo_server(instance) as served, sync_playwright() as playwright:
            app = create_app({"INSTANCE_DIR": str(instance), "ENV": "development"})
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            tour = Tour(browser, Target(served.port, app, instance / "mail"), ROLES,
                        capabilities={"citizen_login"} if served.oidc_password else set(), shots_dir=args.out)
            if served.oidc_password:
                tour.facts["oidc:password"] = served.oidc_password
            try:
                result = walk(build_plan(), tour, selection,
                              progress=(lambda line: None) if args.quiet else (lambda line: print(line, flush=True)))
            finally:
                tour.close()
                browser.close()
    index = write_index(args.out, tour.shots, tour.pdf_shots, result.findings)
    print(text_report(result.findings, result.unavailable))
    print(f"{len(tour.shots)} screenshots and {len(tour.pdf_shots)} PDF pages in {index.parent} "
          f"(open {index}); {time.monotonic() - started:.0f} s.")
    return 1 if any(known_for(finding) is None for finding in result.findings) else 0


if __name__ == "__main__":
    sys.exit(main())
