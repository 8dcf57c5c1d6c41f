"""WSGI entry point used by `sillok serve` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

from sillok.core.filemodes import restrict_umask

# First: what this process writes (SQLite's files, uploads, blobs) is private to its user.
restrict_umask()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sillok.settings")

application = get_wsgi_application()

# A new web process removes what dead processes left in the temporary folders, never what a
# live one (another web process, a worker) is writing (core/tempfiles.py).
from sillok.custody.hygiene import remove_leftovers_at_start  # noqa: E402 - needs Django set up

remove_leftovers_at_start()
