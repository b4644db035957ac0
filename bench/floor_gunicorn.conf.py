# The platform's gunicorn settings (config/gunicorn.conf.py) for the floor apps: every setting is
# taken over; only the fork hooks differ: the floor has its own connection pool and nothing to warm.
import runpy
from pathlib import Path

_platform = runpy.run_path(str(Path(__file__).resolve().parents[1] / "config" / "gunicorn.conf.py"))
globals().update({name: value for name, value in _platform.items() if not name.startswith("_")})


def when_ready(server):
    pass


def post_fork(server, worker):
    from bench import floor

    floor.dispose()


def child_exit(server, worker):
    pass
