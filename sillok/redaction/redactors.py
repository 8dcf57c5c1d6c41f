"""The redactors as the services run them: one function per method (text, picture, PDF) that
reads a source file, writes a redacted copy into a working folder and describes it (its
provenance, and the summary the reviewer sees, with what the redactor was unsure of).

No database writes here: services.py stores what these return, through the evidence
derivatives service. Identity terms come in as arguments and are never written anywhere but
the redacted text itself (which has them replaced).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from sillok.custody.services import open_blob
from sillok.evidence.derivatives import DerivativeSpec
from sillok.evidence.derive.base import DerivationError
from sillok.evidence.models import ItemFile
from sillok.redaction import images, pdfs
from sillok.redaction.doubts import OCR_LOW_CONFIDENCE
from sillok.redaction.errors import RedactionError
from sillok.redaction.models import RedactionMethod
from sillok.redaction.names import clean_terms, is_hangul
from sillok.redaction.text import PLACEHOLDERS, RULES_VERSION, redact_text

REDACTED_KIND = "redacted"
TOOL = "sillok-redaction"
MAX_TEXT_BYTES = 20 * 1024 * 1024  # a longer text is left out, never cut short
# OCR text recognised with less mean confidence (0-100) than this, on a page or the whole
# file, is shown to the reviewer as a doubt: misread names and numbers escape the patterns.
OCR_DOUBT_BELOW = 70.0


@dataclass(frozen=True)
class Terms:
    """The vault's names for one request, cleaned of notes; `romanized` are the spellings
    Sillok made from Hangul names (their matches are doubts). None: no vault."""

    names: list[str]
    romanized: frozenset[str]


@dataclass
class Output:
    source: ItemFile
    method: str
    path: Path
    spec: DerivativeSpec
    summary: dict[str, Any]


@sensitive_variables("raw", "names", "variants")
def identity_terms(actor: Any) -> Terms:
    """The vault's names (audited there), notes in brackets taken out, and the romanizations
    of the cleaned Hangul names: a note stops the vault romanizing the name behind it. The
    vault is part of Sillok: were it missing, texts would go out with every name in them, so
    an ImportError is not caught."""
    from sillok.vault.services import identity_terms_for_redaction, name_variants

    raw = identity_terms_for_redaction(actor)
    names = clean_terms(raw)
    variants = name_variants([name for name in names if is_hangul(name)])
    # Every romanization of a vault name is one Sillok made, even where the vault's own list
    # holds it too (the vault romanizes as well): its matches are doubts.
    romanized = frozenset(v for v in variants if not is_hangul(v))
    return Terms(names=clean_terms(names + variants), romanized=romanized)


def _run_parser(target: str, args: dict[str, Any]) -> dict[str, Any]:
    """A redactor that parses an uploaded file (a picture, a PDF) runs in the hostile-file
    sandbox where it is configured; otherwise in this process."""
    try:
        from sillok.evidence import sandbox
    except ImportError:
        sandbox = None
    if sandbox is None or not hasattr(settings, "SILLOK_PARSE_IN_SUBPROCESS"):
        from importlib import import_module

        module, _, name = target.partition(":")
        return getattr(import_module(module), name)(args)
    try:
        return sandbox.run_sandboxed(target, args, sandbox.limits_for("redaction"))
    except sandbox.ParseLimitExceeded as exc:
        raise DerivationError(str(exc)) from None


def _copy_of(source: ItemFile, workdir: Path) -> Path:
    # Our own name, never the user's: no path trick in a filename reaches a parser.
    target = workdir / f"source-{source.pk}"
    with open_blob(source.sha256) as stream, target.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    target.chmod(0o400)
    return target


def _spec(method: str, path: Path, **fields: Any) -> DerivativeSpec:
    return DerivativeSpec(
        kind=REDACTED_KIND,
        deriver="redaction",
        name=path.name,
        event_details={"method": str(method)},
        **fields,
    )


def _ocr_doubts(source: ItemFile) -> list[dict[str, Any]]:
    """Pages (or the whole file) of an OCR text recognised with low confidence."""
    if source.kind != "ocr":
        return []
    doubts = []
    for number, page in enumerate(source.details.get("pages") or [], start=1):
        confidence = page.get("confidence") if isinstance(page, dict) else None
        if isinstance(confidence, int | float) and confidence < OCR_DOUBT_BELOW:
            doubts.append({"reason": OCR_LOW_CONFIDENCE, "page": number, "confidence": confidence})
    mean = source.details.get("mean_confidence")
    if not doubts and isinstance(mean, int | float) and mean < OCR_DOUBT_BELOW:
        doubts.append({"reason": OCR_LOW_CONFIDENCE, "confidence": mean})
    return doubts


@sensitive_variables("terms", "text")
def redact_text_file(source: ItemFile, terms: Terms | None, workdir: Path) -> Output:
    if source.size > MAX_TEXT_BYTES:
        raise RedactionError(
            f"the text is longer than {MAX_TEXT_BYTES // (1024 * 1024)} MB: too long to redact"
        )
    with open_blob(source.sha256) as stream:
        text = stream.read().decode("utf-8", errors="replace")
    if not text.strip():
        raise RedactionError(f"the {source.kind_label.lower()} is empty: nothing to redact")
    if terms is None:
        result = redact_text(text, [])
    else:
        result = redact_text(text, terms.names, romanized=terms.romanized)
    path = workdir / f"redacted-{source.pk}.txt"
    path.write_text(result.text, encoding="utf-8")
    counts = result.counts()
    uncertain = _ocr_doubts(source) + [doubt.as_dict() for doubt in result.uncertain]
    params = {
        "method": RedactionMethod.TEXT.value,
        "rules": RULES_VERSION,
        "categories": sorted(PLACEHOLDERS),
        "identity_terms": result.terms_used,
        "names_from_vault": terms is not None,
    }
    summary = {
        "counts": counts,
        "spans": [span.as_dict() for span in result.spans],
        "identity_terms": result.terms_used,
        "identity_terms_too_short": result.terms_skipped,
        "names_from_vault": terms is not None,
        "uncertain": uncertain,
    }
    spec = _spec(
        RedactionMethod.TEXT,
        path,
        media_type="text/plain; charset=utf-8",
        tool=TOOL,
        tool_version=f"rules {RULES_VERSION}",
        params=params,
        details={"counts": counts, "source_kind": source.kind, "uncertain": len(uncertain)},
        language=source.language,
    )
    return Output(source, RedactionMethod.TEXT, path, spec, summary)


def redact_image_file(source: ItemFile, workdir: Path) -> Output:
    copy = _copy_of(source, workdir)
    outdir = workdir / f"out-{source.pk}"
    outdir.mkdir()
    made = _run_parser(
        "sillok.redaction.images:sandbox_redact_image",
        {"source": str(copy), "outdir": str(outdir), "faces": True},
    )
    path = Path(made["path"])
    if path.parent != outdir:  # the child names the file; it must be where we asked
        raise RedactionError("the picture redactor wrote outside its folder")
    described = {
        "faces": made["faces"],
        "boxes": made["boxes"],
        "removed_metadata": made["removed_metadata"],
    }
    spec = _spec(
        RedactionMethod.IMAGE,
        path,
        media_type=made["media_type"],
        tool="opencv",
        tool_version=images.tool_versions(),
        params={"method": RedactionMethod.IMAGE.value, **images.face_provenance()},
        details=described,
    )
    return Output(source, RedactionMethod.IMAGE, path, spec, described)


@sensitive_variables("terms")
def redact_pdf_file(source: ItemFile, terms: Terms | None, workdir: Path) -> Output:
    """Read the pages' text in the sandbox, plan what to take out here (the names stay in
    this process), and apply the plan in the sandbox."""
    copy = _copy_of(source, workdir)
    outdir = workdir / f"out-{source.pk}"
    outdir.mkdir()
    read = _run_parser("sillok.redaction.pdfs:sandbox_read_pdf", {"source": str(copy)})
    if terms is None:
        plan = pdfs.plan_pdf(read, [])
    else:
        plan = pdfs.plan_pdf(read, terms.names, terms.romanized)
    del read
    made = _run_parser(
        "sillok.redaction.pdfs:sandbox_scrub_pdf",
        {"source": str(copy), "outdir": str(outdir), "plan": {"pages": plan["pages"]}},
    )
    path = Path(made["path"])
    if path.parent != outdir:
        raise RedactionError("the PDF redactor wrote outside its folder")
    described = {
        "removed_metadata": made["removed_metadata"],
        "pages": made["pages"],
        "counts": plan["counts"],
        "boxes": made["boxes"],
        "uncertain": plan["doubts"],
        "names_from_vault": terms is not None,
    }
    spec = _spec(
        RedactionMethod.PDF,
        path,
        media_type="application/pdf",
        tool="pypdf",
        tool_version=f"{pdfs.tool_versions()}; rules {RULES_VERSION}",
        params={"method": RedactionMethod.PDF.value, "rules": RULES_VERSION},
        details={**described, "uncertain": len(plan["doubts"])},
    )
    return Output(source, RedactionMethod.PDF, path, spec, described)
