"""WSGI entry point: ``gunicorn wsgi:app``; the flask CLI finds ``app`` here too."""

import sys
from pathlib import Path

# The source root platform/ is a plain folder, not a package (it would shadow the stdlib module).
sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))

from amtsweg import create_app

app = create_app()
