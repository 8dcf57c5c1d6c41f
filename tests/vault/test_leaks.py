"""A purpose, shred reason or pseudonym that repeats a vault detail, however it is written,
is refused before anything is written (sillok/vault/leaks.py)."""

from __future__ import annotations

import pytest
from django.utils import translation

from sillok.custody.models import AuditEntry
from sillok.vault import leaks, services
from sillok.vault.models import VaultEntry

pytestmark = pytest.mark.django_db

NAME = "곽훈민별"
PHONE = "010-7391-4482"
VALUES = [("real_name", NAME), ("contact", PHONE)]

# The four strings of the finding (issue 13, item 5), each inside an ordinary purpose.
FINDING = ["01073914482", "010 7391 4482", "곽훈 민별", "Gwak Hun-min-byeol"]


@pytest.fixture
def witness(vault_keeper):
    entry, _ = services.do_add_field(vault_keeper, "W-9", "real_name", NAME, kind="witness")
    services.do_add_field(vault_keeper, "W-9", "contact", PHONE)
    return entry


def audit_rows() -> list[tuple]:
    return list(AuditEntry.objects.order_by("seq").values_list("seq", "action", "details"))


@pytest.mark.parametrize("detail", FINDING)
def test_each_string_of_the_finding_is_refused_as_a_purpose_and_nothing_is_audited(
    witness, vault_keeper, detail
):
    before = audit_rows()
    with pytest.raises(services.RepeatsVaultDetail) as refused:
        services.do_open(vault_keeper, "W-9", f"follow up with {detail} about case 12")
    assert audit_rows() == before
    message = str(refused.value)
    assert "purpose repeats a detail" in message
    assert ("(Real name)" in message) != ("(Contact)" in message)
    for secret in (NAME, PHONE, detail, "7391", "4482", "민별", "Gwak"):
        assert secret not in message


@pytest.mark.parametrize(
    ("purpose", "field"),
    [
        ("call 0 1 0 - 7 3 9 1 - 4 4 8 2 tomorrow", "Contact"),
        ("call +82 10 7391 4482 tomorrow", "Contact"),
        ("call (010) 7391.4482 tomorrow", "Contact"),
        ("call ０１０－７３９１－４４８２ tomorrow", "Contact"),  # full-width
        ("call 73914482 tomorrow", "Contact"),  # the last digits, no prefix
        ("interview 곽 훈 민 별 again", "Real name"),
        ("곽훈민별씨에게 연락해 면담 일정 잡기", "Real name"),  # with particles
        ("interview KWAK HUN MIN BYOL again", "Real name"),
        ("interview Kwak Hun-min-byŏl again", "Real name"),  # McCune-Reischauer
        ("interview Kwak Hunminbyeol again", "Real name"),
        ("interview Hun-min-byeol Gwak again", "Real name"),  # given name first
        ("interview Ｇｗａｋ Ｈｕｎｍｉｎｂｙｅｏｌ again", "Real name"),  # full-width
        ("interview Mr. Gwak's Hun Min Byeol again", "Real name"),
        ("interview 훈민별 again about the case", "Real name"),  # the given name alone
        ("interview Hun-min-byul again about the case", "Real name"),
    ],
)
def test_a_detail_spaced_punctuated_or_romanized_differently_is_refused(
    witness, vault_keeper, purpose, field
):
    before = audit_rows()
    with pytest.raises(services.RepeatsVaultDetail, match=rf"\({field}\)"):
        services.do_open(vault_keeper, "W-9", purpose)
    assert audit_rows() == before


@pytest.mark.parametrize(
    "purpose",
    [
        "arrange a follow-up interview for case 12",
        "verify identity for the prosecutor's request of 2026-05-03",
        "criminal case review for the prime minister's office",
        "meet the Kwak family lawyer about case 12",  # a surname alone
        "call back before 18:00 about case 7391",  # 4 digits of the phone
        "후속 면담 일정 조정 (사건 12)",
        "min and hun are not names here, nor is byeol",
    ],
)
def test_ordinary_purposes_are_still_accepted(witness, vault_keeper, purpose, audit_actions):
    services.do_open(vault_keeper, "W-9", purpose)
    assert audit_actions()[-1][1] == "vault.open"
    assert audit_actions()[-1][2]["purpose"] == purpose


def test_the_name_inside_a_bracketed_note_is_still_caught_without_the_note(vault_keeper):
    services.do_add_field(vault_keeper, "W-3", "real_name", "최진수 (가명 아님, 테스트)")
    services.do_add_field(vault_keeper, "W-3", "other_name", "박영순 (옛 이름 김순자)")
    before = audit_rows()
    for purpose in [
        "meet 최진수 next week about case 3",
        "meet Choi Jin-su next week about case 3",
        "meet Jinsu Choe next week about case 3",
        "meet 김순자 next week about case 3",
        "meet Kim Sun-ja next week about case 3",
    ]:
        with pytest.raises(services.RepeatsVaultDetail):
            services.do_open(vault_keeper, "W-3", purpose)
    assert audit_rows() == before
    for purpose in ["테스트 면담 일정 조정 (사건 3번)", "옛 이름 확인을 위한 면담 준비"]:
        services.do_open(vault_keeper, "W-3", purpose)


def test_a_short_whole_name_is_caught_as_a_word_but_not_inside_words(vault_keeper):
    services.do_add_field(vault_keeper, "W-4", "real_name", "이민")
    for purpose in ["이민씨 면담 준비 (사건 4)", "interview Ri Min about case 4"]:
        with pytest.raises(services.RepeatsVaultDetail):
            services.do_open(vault_keeper, "W-4", purpose)
    for purpose in ["이민자 지원 상담 준비 (사건 4번)", "criminal records request for case 4"]:
        services.do_open(vault_keeper, "W-4", purpose)


@pytest.mark.parametrize(
    "reason", ["consent withdrawn by 곽훈 민별 herself", "withdrawn, she called from 7391-4482"]
)
def test_a_shred_reason_that_repeats_a_detail_is_refused_and_nothing_is_shredded(
    witness, vault_keeper, reason
):
    before = audit_rows()
    with pytest.raises(services.RepeatsVaultDetail, match="reason repeats a detail"):
        services.do_shred(vault_keeper, "W-9", reason)
    witness.refresh_from_db()
    assert not witness.is_shredded and witness.shred_reason == ""
    assert audit_rows() == before


@pytest.mark.parametrize(
    ("pseudonym", "field", "value"),
    [
        ("곽훈 민별", "real_name", NAME),
        ("Gwak Hunminbyeol", "real_name", NAME),
        ("Witness Hun-min-byeol", "real_name", NAME),
        ("W-010-7391-4482", "contact", PHONE),
    ],
)
def test_a_pseudonym_that_repeats_the_detail_is_refused(vault_keeper, pseudonym, field, value):
    before = audit_rows()
    with pytest.raises(services.RepeatsVaultDetail, match="pseudonym repeats a detail"):
        services.do_add_field(vault_keeper, pseudonym, field, value)
    assert not VaultEntry.objects.exists()
    assert audit_rows() == before


def test_a_place_in_a_pseudonym_is_still_allowed(vault_keeper):
    services.do_add_field(vault_keeper, "Source Hamhung-3", "family_location", "Hamhung")


def test_the_refusal_is_translated(witness, vault_keeper):
    with translation.override("ko"), pytest.raises(services.RepeatsVaultDetail) as refused:
        services.do_open(vault_keeper, "W-9", "follow up with 곽훈 민별 about case 12")
    assert "실명" in str(refused.value) and "목적" in str(refused.value)


def test_the_page_refuses_without_showing_the_purpose_again(
    witness, reauthenticated_client_for, vault_keeper
):
    client = reauthenticated_client_for(vault_keeper)
    purpose = "follow up with Gwak Hun-min-byeol about case 12"
    response = client.post(f"/vault/{witness.pk}/reveal/", {"purpose": purpose})
    assert response.status_code == 400
    assert "repeats a detail of this entry" in response.text
    assert "Gwak" not in response.text and "7391" not in response.text


def test_the_matcher_names_the_field_and_ignores_short_fragments():
    assert leaks.repeated_field("ring 010 7391 4482", VALUES) == "contact"
    assert leaks.repeated_field("see Kwak Hun Min Pyol", VALUES) == "real_name"
    # Two letters of the name, the surname alone, or 4 digits of the phone are not enough.
    for text in ["hun", "곽훈", "Kwak", "Gwak Min", "4482", "hunmin", "a criminal case"]:
        assert leaks.repeated_field(text, VALUES) is None, text
