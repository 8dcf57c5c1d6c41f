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


class HomeLogFileHandler(logging.handlers.RotatingFileHandler):
    def __init__(self, filename: str, **kwargs) -> None:
        kwargs.setdefault("delay", True)
        super().__init__(filename, **kwargs)

    def _open(self):
        Path(self.baseFilename).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream
