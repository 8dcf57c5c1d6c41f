"""The Edit and History pages, the API and `sillok item edit|history|restore`: each a thin
entry to the one service (editing.py), refusing whoever may not edit."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from sillok.custody.models import AuditEntry
from sillok.evidence.models import CustodyEvent, Item, ItemFile, ItemVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(documentation_officer):
    return Item.objects.create(
        created_by=documentation_officer,
        title="Camp report",
        kind="document",
        sensitivity="internal",
        source="NGO A",
    )


@pytest.fixture
def hidden(documentation_officer):
    return Item.objects.create(
        created_by=documentation_officer,
        title="Hidden report",
        kind="document",
        sensitivity="strictly_confidential",
    )


def form(item, **changes):
    data = {
        "revision": item.revision,
        "title": item.title,
        "description": item.description,
        "source": item.source,
        "collector": item.collector,
        "collected_on": "",
        "collected_on_precision": item.collected_on_precision,
        "collected_place": item.collected_place,
        "collected_place_precision": item.collected_place_precision,
        "languages": "",
        "sensitivity": item.sensitivity,
        "compartment": "",
        "consent_date": "",
        "consent_form": item.consent_form,
        "consent_recipients": "",
        "tags": "",
        "reason": "title was misspelt",
    }
    data.update(changes)
    return data


def history(item):
    return list(ItemVersion.objects.filter(item=item).values_list("number", "action", "reason"))


# --- web ----------------------------------------------------------------------------------------


def test_the_item_page_links_edit_and_history_for_whoever_may_edit(item, client_for, analyst):
    page = client_for(analyst).get(f"/items/{item.pk}/").content.decode()
    assert reverse("evidence:item_edit", args=[item.pk]) in page
    assert reverse("evidence:item_history", args=[item.pk]) in page


def test_the_item_page_shows_no_edit_link_to_a_reader(item, client_for, legal_expert):
    page = client_for(legal_expert).get(f"/items/{item.pk}/").content.decode()
    assert reverse("evidence:item_edit", args=[item.pk]) not in page
    assert reverse("evidence:item_history", args=[item.pk]) in page


def test_the_edit_page_corrects_the_item(item, client_for, analyst):
    client = client_for(analyst)
    page = client.get(f"/items/{item.pk}/edit/")
    assert page.status_code == 200
    assert 'name="revision" value="1"' in page.content.decode()
    response = client.post(
        f"/items/{item.pk}/edit/",
        form(item, title="Camp report (Yodok)", consent_scope=["publication"], graphic="1"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.consent_scope, item.graphic) == (
        "Camp report (Yodok)",
        ["publication"],
        True,
    )
    assert history(item)[-1] == (2, "edited", "title was misspelt")
    event = CustodyEvent.objects.filter(item=item).latest("pk")
    assert (event.action, event.channel) == ("metadata_changed", "web")


def test_the_edit_page_in_korean(item, client_for, analyst):
    client = client_for(analyst)
    client.cookies["django_language"] = "ko"
    page = client.get(f"/items/{item.pk}/edit/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "변경 사유" in page  # "Reason for the change"
    response = client.post(
        f"/items/{item.pk}/edit/", form(item, title="수용소 보고서", reason="제목 수정")
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).title == "수용소 보고서"


def test_the_edit_page_refuses_a_missing_reason_and_keeps_what_was_typed(item, client_for, analyst):
    response = client_for(analyst).post(
        f"/items/{item.pk}/edit/", form(item, title="Typed title", reason="")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Typed title" in page and 'id="e-reason"' in page
    assert Item.objects.get(pk=item.pk).title == "Camp report"


def test_the_edit_page_refuses_a_stale_form(item, client_for, analyst, documentation_officer):
    stale = form(item, title="Mine")
    client_for(documentation_officer).post(f"/items/{item.pk}/edit/", form(item, title="Theirs"))
    response = client_for(analyst).post(f"/items/{item.pk}/edit/", stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert Item.objects.get(pk=item.pk).title == "Theirs"


def test_the_edit_page_refuses_a_level_beyond_the_editors_clearance(item, client_for, analyst):
    page = client_for(analyst).get(f"/items/{item.pk}/edit/").content.decode()
    assert 'value="strictly_confidential"' not in page  # not offered
    response = client_for(analyst).post(
        f"/items/{item.pk}/edit/", form(item, sensitivity="strictly_confidential")
    )
    assert response.status_code == 400
    assert 'id="e-sensitivity"' in response.content.decode()
    assert Item.objects.get(pk=item.pk).sensitivity == "internal"


@pytest.mark.parametrize(
    ("persona", "status"), [("legal_expert", 403), ("auditor", 403), ("outsider", 404)]
)
def test_the_edit_page_refuses_who_may_not_edit(item, personas, client_for, persona, status):
    client = client_for(personas[persona])
    assert client.get(f"/items/{item.pk}/edit/").status_code == status
    assert client.post(f"/items/{item.pk}/edit/", form(item, title="X")).status_code == status
    assert Item.objects.get(pk=item.pk).title == "Camp report"


def test_a_hidden_item_is_not_found_like_a_missing_one(hidden, client_for, analyst):
    client = client_for(analyst)
    for path in ("edit/", "history/"):
        assert client.get(f"/items/{hidden.pk}/{path}").status_code == 404
        assert client.get(f"/items/999999/{path}").status_code == 404
    restore = f"/items/{hidden.pk}/versions/1/restore/"
    assert client.post(restore, {"revision": 1, "reason": "x"}).status_code == 404


def test_the_history_page_shows_the_diff_and_restores_a_version(item, client_for, analyst):
    client = client_for(analyst)
    client.post(f"/items/{item.pk}/edit/", form(item, title="Wrong title"))
    page = client.get(f"/items/{item.pk}/history/").content.decode()
    assert "Camp report" in page and "Wrong title" in page
    assert "title was misspelt" in page
    assert reverse("evidence:item_restore", args=[item.pk, 1]) in page
    assert reverse("evidence:item_restore", args=[item.pk, 2]) not in page  # the current one
    response = client.post(
        f"/items/{item.pk}/versions/1/restore/", {"revision": 2, "reason": "wrong fix"}
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).title == "Camp report"
    assert history(item)[-1] == (3, "restored", "restored version 1: wrong fix")


def test_a_restore_without_a_reason_changes_nothing(item, client_for, analyst):
    client = client_for(analyst)
    client.post(f"/items/{item.pk}/edit/", form(item, title="Wrong title"))
    client.post(f"/items/{item.pk}/versions/1/restore/", {"revision": 2, "reason": ""})
    assert Item.objects.get(pk=item.pk).title == "Wrong title"


def test_a_reader_sees_the_history_without_restore_buttons(item, client_for, analyst, legal_expert):
    client_for(analyst).post(f"/items/{item.pk}/edit/", form(item, title="Wrong title"))
    reader = client_for(legal_expert)
    page = reader.get(f"/items/{item.pk}/history/").content.decode()
    assert "Wrong title" in page and "/restore/" not in page
    response = reader.post(f"/items/{item.pk}/versions/1/restore/", {"revision": 2, "reason": "x"})
    assert response.status_code == 403


# --- API ----------------------------------------------------------------------------------------


def patch(client, item_id, body):
    return client.patch(f"/api/v1/items/{item_id}", body, content_type="application/json")


def test_the_api_corrects_an_item_lists_its_history_and_restores(item, client_for, analyst):
    client = client_for(analyst)
    response = patch(
        client,
        item.pk,
        {"values": {"title": "Corrected", "sensitivity": "제한"}, "revision": 1, "reason": "typo"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and sorted(body["changed"]) == ["sensitivity", "title"]
    assert body["item"]["sensitivity"] == "restricted" and body["item"]["revision"] == 2
    versions = client.get(f"/api/v1/items/{item.pk}/history").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert {"field": "title", "before": "Camp report", "after": "Corrected"} in versions[1][
        "changes"
    ]
    restored = client.post(
        f"/api/v1/items/{item.pk}/restore/1",
        {"revision": 2, "reason": "undo"},
        content_type="application/json",
    )
    assert restored.status_code == 200
    assert restored.json()["item"]["title"] == "Camp report"
    event = CustodyEvent.objects.filter(item=item).latest("pk")
    assert (event.channel, event.details["restored"]) == ("api", 1)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"values": {"title": "X"}, "revision": 1, "reason": ""}, 400),
        ({"values": {"title": "X"}, "revision": 0, "reason": "r"}, 409),
        ({"values": {"sensitivity": "nope"}, "revision": 1, "reason": "r"}, 400),
        ({"values": {"sensitivity": "strictly_confidential"}, "revision": 1, "reason": "r"}, 403),
    ],
)
def test_the_api_refuses_bad_edits_and_changes_nothing(item, client_for, analyst, body, status):
    client = client_for(analyst)
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    response = patch(client, item.pk, body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert Item.objects.get(pk=item.pk).revision == 1
    assert AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() == seq


@pytest.mark.parametrize(
    ("persona", "status"), [("partner", 404), ("auditor", 403), ("outsider", 404)]
)
def test_the_api_refuses_who_may_not_edit(item, personas, client_for, persona, status):
    body = {"values": {"title": "X"}, "revision": 1, "reason": "r"}
    assert patch(client_for(personas[persona]), item.pk, body).status_code == status
    assert Item.objects.get(pk=item.pk).title == "Camp report"


def test_the_api_answers_a_hidden_item_as_a_missing_one(hidden, client_for, analyst):
    client = client_for(analyst)
    body = {"values": {"title": "X"}, "revision": 1, "reason": "r"}
    assert patch(client, hidden.pk, body).status_code == 404
    assert client.get(f"/api/v1/items/{hidden.pk}/history").status_code == 404


# --- CLI ----------------------------------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("item", *args, stdout=out)
    return out.getvalue()


def test_the_cli_edits_with_korean_labels_and_shows_the_history(item, analyst):
    out = run(
        "edit", str(item.pk), "--as", "analyst", "--reason", "출처 수정",
        "--set", "source=NGO B", "--set", "collected_on_precision=월",
        "--set", "consent_form=Written", "--set", "tags=camp, 강제 노동",
    )  # fmt: skip
    assert "revision 2" in out
    item.refresh_from_db()
    assert (item.source, item.collected_on_precision, item.consent_form, item.tags) == (
        "NGO B",
        "month",
        "written",
        ["camp", "강제 노동"],
    )
    lines = run("history", str(item.pk), "--as", "analyst").splitlines()
    assert lines[0].startswith("v1 ") and "baseline" in lines[0]
    assert lines[1].startswith("v2 ") and "출처 수정" in lines[1]
    rows = json.loads(run("history", str(item.pk), "--json"))
    assert rows[1]["snapshot"]["source"] == "NGO B"
    run("restore", str(item.pk), "--number", "1", "--as", "analyst", "--reason", "undo")
    assert Item.objects.get(pk=item.pk).source == "NGO A"


@pytest.mark.parametrize(
    "args",
    [
        ["--as", "analyst", "--set", "title=X"],  # no reason
        ["--reason", "r", "--set", "title=X"],  # nobody named
        ["--as", "analyst", "--reason", "r", "--set", "title"],  # not FIELD=VALUE
        ["--as", "analyst", "--reason", "r", "--set", "sensitivity=strictly_confidential"],
        ["--as", "auditor", "--reason", "r", "--set", "title=X"],
        ["--as", "analyst", "--reason", "r", "--set", "title=X", "--revision", "5"],
    ],
)
def test_the_cli_refuses_bad_edits(item, analyst, auditor, args):
    with pytest.raises(CommandError) as refused:
        run("edit", str(item.pk), *args)
    assert refused.value.returncode == 2
    assert Item.objects.get(pk=item.pk).revision == 1


def test_the_cli_answers_a_hidden_item_as_a_missing_one(hidden, analyst):
    with pytest.raises(CommandError, match="no item"):
        run("edit", str(hidden.pk), "--as", "analyst", "--reason", "r", "--set", "title=X")


def test_item_text_names_the_derivative_its_language_and_tool(item, monkeypatch):
    import sillok.evidence.management.commands.item as command

    part = {
        "kind": "ocr",
        "label": "OCR text",
        "language": "ko",
        "tool": "tesseract",
        "tool_version": "5.3.0",
        "sha256": "ab" * 32,
        "text": "요덕",
        "truncated": False,
    }
    monkeypatch.setattr(command, "text_parts", lambda _item: [part, {**part, "language": ""}])
    lines = run("text", str(item.pk)).splitlines()
    assert lines[0] == (
        "===== OCR text (ocr) · language ko · made by tesseract 5.3.0 · sha256 abababababab ====="
    )
    assert "language not recorded" in lines[2] and "?" not in lines[2]
    assert ItemFile.objects.count() == 0
