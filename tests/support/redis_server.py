"""A throw-away Redis server on a free port of 127.0.0.1, and real RQ worker processes."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import redis
from rq import Worker

from .process import START_TIMEOUT, ServiceProcess, ServiceStartError, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START_ATTEMPTS = 3


DEFAULT_WORKER_COMMAND = (
    sys.executable, "-m", "rq.cli", "worker", "--url", "{redis_url}", "--name", "{name}",
    # The app's jobs use RQ's JSON serializer (DESIGN.md); the worker must read the same.
    "--serializer", "rq.serializers.JSONSerializer",
)  # fmt: skip


class RqWorker:
    """A worker subprocess on ``queues`` that can be stopped, killed and started again.

    ``command`` defaults to ``python -m rq.cli worker``; pass another entry point (such as the
    app's worker CLI) to test that. ``{redis_url}`` and ``{name}`` in it are filled in, the queue
    names are appended. Every start uses a new worker name, because a killed worker stays
    registered in Redis under its old name until its key expires. The process runs from the
    repository root with ``platform/`` importable.
    """

    def __init__(
        self,
        redis_url: str,
        env: Mapping[str, str],
        queues: Sequence[str],
        log_path: Path,
        command: Sequence[str] = DEFAULT_WORKER_COMMAND,
    ) -> None:
        self.redis_url = redis_url
        self.queues = list(queues)
        self.command = list(command)
        self.log_path = log_path
        python_path = os.pathsep.join(
            p for p in (str(REPO_ROOT / "platform"), str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p
        )
        self.env = {**os.environ, "PYTHONPATH": python_path, **env}
        self.name = ""
        self.service: ServiceProcess | None = None

    def start(self) -> RqWorker:
        if self.running:
            raise RuntimeError(f"worker {self.name} is already running")
        self.name = f"test-worker-{uuid.uuid4().hex[:12]}"
        argv = [part.format(redis_url=self.redis_url, name=self.name) for part in self.command]
        self.service = ServiceProcess(
            f"rq worker {self.name}", [*argv, *self.queues], self.log_path, env=self.env, cwd=REPO_ROOT
        )
        self.service.start()
        return self

    def stop(self) -> None:
        """Warm shutdown: the worker finishes its current job, then exits."""
        if self.service is not None:
            self.service.stop()

    def kill(self) -> None:
        """SIGKILL the worker and the job it runs, leaving the job behind in Redis."""
        if self.service is not None:
            self.service.kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.service is not None and self.service.running

    def wait_until_listening(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the worker has registered itself in Redis under :attr:`name`.

        A custom command must pass ``{name}`` as the worker name for this check to find it.
        """
        if self.service is None:
            raise RuntimeError("worker was never started")
        service = self.service
        connection = redis.Redis.from_url(self.redis_url)
        try:
            service.wait_until(
                lambda: any(w.name == self.name for w in Worker.all(connection=connection)), timeout
            )
        finally:
            connection.close()

    def __enter__(self) -> RqWorker:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # After a failure there is no point in waiting for the current job.
        if exc_type is not None:
            self.kill()
        else:
            self.stop()


class RedisServer:
    """A running ``redis-server`` without persistence; ``url`` points at database 0."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="amtsweg-redis-"))
        self.service: ServiceProcess | None = None
        self.workers: list[RqWorker] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> None:
        try:
            self._start_server()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for worker in self.workers:
            worker.kill()
        if self.service is not None:
            self.service.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop_server(self) -> None:
        """Stop only redis-server (an outage); :meth:`start_again` brings it back on the same port."""
        if self.service is not None:
            self.service.stop()

    def start_again(self) -> None:
        self._start_server(port=self.port)

    def start_rq_worker(
        self,
        app_env: Mapping[str, str],
        queues: Sequence[str],
        command: Sequence[str] = DEFAULT_WORKER_COMMAND,
    ) -> RqWorker:
        """Start a worker subprocess (see :class:`RqWorker`); the session's end kills it anyway."""
        log_path = self.root / f"rq-worker-{len(self.workers) + 1}.log"
        worker = RqWorker(self.url, app_env, queues, log_path, command)
        self.workers.append(worker)
        return worker.start()

    def _start_server(self, port: int | None = None) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = port or free_port()
            self.service = ServiceProcess(
                "redis-server",
                [
                    self.executable,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.root),
                    "--daemonize",
                    "no",
                ],
                self.root / "redis.log",
                cwd=self.root,
            )
            self.service.start()
            try:
                self.service.wait_until(self._answers_ping)
                return
            except ServiceStartError:
                # Another process may have taken the port between probing and binding.
                if attempt == START_ATTEMPTS or "Address already in use" not in self.service.log_tail():
                    raise

    def _answers_ping(self) -> bool:
        connection = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        try:
            return bool(connection.ping())
        except redis.ConnectionError:
            return False
        finally:
            connection.close()
