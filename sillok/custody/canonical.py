"""The one canonical serialisation that every hash and signature in custody is computed over.

Changing anything here changes every hash: existing chains and checkpoints would no longer
verify. Treat it as a file format.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def canonical_json(data: Any) -> str:
    """JSON with sorted keys, no whitespace, non-ASCII kept as is (hashed as UTF-8)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(moment: datetime) -> str:
    """UTC, microseconds, `Z`: the form both databases give back unchanged."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
