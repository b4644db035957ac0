"""Driving load with ``wrk`` (a separate process, loopback only) and reading its summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.stack import BenchError

LUA_DIR = Path(__file__).resolve().parent / "wrk"
# A request slower than this counts as an error (nginx in front would give up much later).
TIMEOUT = "30s"


@dataclass(frozen=True)
class Load:
    """How hard and how long: wrk threads, connections, seconds and a cap on the requests."""

    seconds: float
    connections: int = 4
    threads: int = 1
    max_requests: int = 200_000


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    errors: int
    # Socket errors (connect, read, write, timeout) and answers with status >= 400, separately.
    socket_errors: int
    status_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    flows: int
    flow_errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bytes_per_request(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "per_second": round(self.per_second, 1),
                "bytes_per_request": round(self.bytes_per_request)}


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not installed (Debian package 'wrk'; .ci/run installs it)")
    return path


def run_wrk(
    url: str,
    load: Load,
    *,
    script: str = "page.lua",
    headers: dict[str, str] | None = None,
    environment: dict[str, str] | None = None,
) -> WrkResult:
    """Run wrk against ``url`` (127.0.0.1 only) with one of the scripts in ``bench/wrk``."""
    if not url.startswith("http://127.0.0.1:"):
        raise BenchError(f"load goes to loopback addresses only, not {url}")
    per_thread = max(1, load.max_requests // load.threads)
    argv = [
        wrk_binary(), "-t", str(load.threads), "-c", str(load.connections), "-d", f"{max(1, round(load.seconds))}s",
        "--timeout", TIMEOUT, "-s", str(LUA_DIR / script),
    ]
    for name, value in {"X-Forwarded-Proto": "https", **(headers or {})}.items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    env = {**os.environ, "BENCH_LUA_DIR": str(LUA_DIR), "BENCH_MAX_REQUESTS": str(per_thread), **(environment or {})}
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=load.seconds + 120, check=False)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if result.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    if os.environ.get("BENCH_DEBUG") and result.stderr:
        # The scripts describe each failed answer on stderr when asked to (BENCH_DEBUG=1).
        print(result.stderr[:20_000])
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return WrkResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        bytes=raw["bytes"],
        errors=socket_errors + raw["status"] + raw["flow_errors"],
        socket_errors=socket_errors,
        status_errors=raw["status"],
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        flows=raw["flows"],
        flow_errors=raw["flow_errors"],
    )
