"""Start, watch and stop a service subprocess whose output goes to a log file."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class ServiceStartError(RuntimeError):
    """A service did not come up; the message includes the tail of its log."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def unprivileged_user() -> pwd.struct_passwd:
    """The account that runs services refusing root (PostgreSQL); override with AMTSWEG_TEST_USER."""
    return pwd.getpwnam(os.environ.get("AMTSWEG_TEST_USER", "nobody"))


def command_prefix(user: pwd.struct_passwd | None, death_signal: signal.Signals) -> list[str]:
    """Wrap a command so it runs as ``user`` and dies with the test process.

    The parent-death signal makes the kernel stop the service even when pytest itself is
    killed, so no server survives a crashed run holding ports. The kernel ties it to the
    starting thread: start services from the main thread (as pytest fixtures are).
    """
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        if user is not None:
            raise ServiceStartError(f"setpriv (util-linux) is needed to run a service as {user.pw_name}")
        return []
    prefix = [setpriv, "--pdeathsig", death_signal.name.removeprefix("SIG")]
    if user is not None:
        prefix += ["--reuid", str(user.pw_uid), "--regid", str(user.pw_gid), "--clear-groups"]
    return [*prefix, "--"]


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class ServiceProcess:
    """One long-running subprocess with its output in ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: pwd.struct_passwd | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        keep_stdin_open: bool = False,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self.keep_stdin_open = keep_stdin_open
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command_prefix(self.user, self.stop_signal), *self.argv],
                stdout=log,
                stderr=subprocess.STDOUT,
                # A service that watches its stdin exits when the pipe closes with us.
                stdin=subprocess.PIPE if self.keep_stdin_open else subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return tail(self.log_path, lines)

    def start_error(self, problem: str) -> ServiceStartError:
        return ServiceStartError(
            f"{self.name} {problem}\ncommand: {' '.join(self.argv)}\n"
            f"last lines of {self.log_path.name}:\n{self.log_tail()}"
        )

    def wait_until(self, ready: Callable[[], bool], timeout: float = START_TIMEOUT) -> None:
        """Poll ``ready`` until it returns True; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                code = self.process.returncode if self.process else None
                raise self.start_error(f"exited with status {code} while starting")
            if ready():
                return
            if time.monotonic() > deadline:
                raise self.start_error(f"was not ready after {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ask the process to stop, and kill it if it does not within ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_stdin()

    def kill(self) -> None:
        """Kill the process and its children at once, as a crash or an OOM kill would."""
        if self.process is None:
            return
        if self.process.poll() is None:
            # The whole session: an RQ worker runs each job in a forked child.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close_stdin()

    def _close_stdin(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()
