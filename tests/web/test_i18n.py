"""English and Korean from day one: the catalogue is complete and compiled, and it is used."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _po_entries(path: Path) -> list[dict]:
    """(msgid, msgid_plural, [msgstr...], fuzzy) of each entry; enough of the format for us."""
    entries: list[dict] = []
    current: dict | None = None
    key = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            current, key = None, None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            current = current or {"msgid": "", "plural": None, "msgstr": [], "fuzzy": False}
            if current not in entries:
                entries.append(current)
            current["fuzzy"] = True
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            key, text = match.group(1), ast.literal_eval(match.group(2))
            if key == "msgid":
                if current is None or current.get("msgid"):
                    current = {"msgid": "", "plural": None, "msgstr": [], "fuzzy": False}
                if current not in entries:
                    entries.append(current)
                current["msgid"] = text
            elif key == "msgid_plural":
                current["plural"] = text
            else:
                current["msgstr"].append(text)
        elif line.startswith('"') and current is not None:
            text = ast.literal_eval(line)
            if key == "msgid":
                current["msgid"] += text
            elif key == "msgid_plural":
                current["plural"] += text
            else:
                current["msgstr"][-1] += text
    return [e for e in entries if e["msgid"]]


def test_every_message_has_a_korean_translation():
    entries = _po_entries(PO)
    assert len(entries) > 50
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"])]
    assert untranslated == [], "untranslated in django.po (run makemessages, translate)"
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert fuzzy == [], "fuzzy entries are not used at run time: review them"


def test_translations_keep_their_placeholders():
    for entry in _po_entries(PO):
        wanted = set(re.findall(r"%\(\w+\)s", entry["msgid"]))
        for text in entry["msgstr"]:
            assert set(re.findall(r"%\(\w+\)s", text)) == wanted, entry["msgid"]


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in _po_entries(PO):
        if entry["plural"] is None:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"][0], (
                f"django.mo is stale for {entry['msgid']!r}: run msgfmt"
            )


@pytest.mark.django_db
def test_login_page_speaks_korean_when_the_browser_asks(client, roles):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert '<html lang="ko">' in page
    assert "로그인" in page
    assert "사용자 이름" in page
    assert "Sign in" not in page


@pytest.mark.django_db
def test_language_form_switches_to_korean_and_back(client_for, analyst):
    client = client_for(analyst)
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "분석관" in page and "환영합니다" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Welcome" in client.get("/").content.decode()


@pytest.mark.django_db
def test_language_form_refuses_an_off_site_next(client, roles):
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "https://evil.example/"})
    assert "evil.example" not in response.get("Location", "")
