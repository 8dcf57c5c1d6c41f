"""Test helpers for the custody tests."""

from __future__ import annotations

MIB = 1024 * 1024


class GeneratedStream:
    """`size` bytes made up as they are read (one block in memory), optionally failing."""

    def __init__(self, size: int, *, block: bytes = b"", fail_after: int | None = None) -> None:
        self.remaining = size
        self.block = block or bytes(range(256)) * 4096
        self.fail_after = fail_after
        self.delivered = 0

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.delivered >= self.fail_after:
            raise ConnectionResetError("the client went away mid-upload")
        if self.remaining <= 0:
            return b""
        if n < 0 or n > len(self.block):
            n = len(self.block)
        n = min(n, self.remaining)
        self.remaining -= n
        self.delivered += n
        return self.block[:n]


def append_entries(count: int, action: str = "test.event") -> None:
    from sillok.custody.audit import record_audit

    for i in range(count):
        record_audit(None, action, object_type="thing", object_id=i, details={"i": i})
