"""The log file of a Sillok home: SILLOK_HOME/logs/sillok.log, rotated by size.

Its folder is made on the first record, so merely reading settings (tests, `sillok --help`)
leaves no trace on disk. What goes in is what the loggers emit: never request bodies, form
data, secrets or vault contents (the vault-plaintext test scans this file).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from sillok.core.filemodes import make_private_dirs


class HomeLogFileHandler(logging.handlers.RotatingFileHandler):
    def __init__(self, filename: str, **kwargs) -> None:
        kwargs.setdefault("delay", True)
        super().__init__(filename, **kwargs)

    def _open(self):
        make_private_dirs(Path(self.baseFilename).parent)
        # Created 0600 (never readable by others for a moment, whatever the umask), and an
        # older file made looser is tightened. Rotated files keep the mode by renaming.
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)
