"""Roles of DESIGN.md as Django groups, each with the permissions it grants.

Role names are English, lower case, hyphenated: they are what `sillok createuser --role`
takes. Later issues add permissions to these lists as their apps arrive; `sync_roles()` (run
by `sillok init`) brings the groups in the database in line with this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    name: str
    label: object  # a lazy translation
    description: object
    permissions: tuple[str, ...]  # "app_label.codename"
    requires_two_factor: bool = False


# Evidence permissions, shared by several roles. Seeing an item needs view_item and a clearance
# for its sensitivity (view_restricted, view_strictly_confidential; public and internal need
# none); opening its original file needs view_original too (evidence/access.py).
ITEM_READ = ("evidence.view_item", "evidence.view_restricted")
ITEM_WRITE = ("evidence.add_item", "evidence.change_item")
ITEM_ORIGINALS = ("evidence.view_original",)
# Documentation records (records/access.py): seeing them follows the same sensitivity
# clearances as items; reviewing is peer review by someone other than the author.
RECORD_READ = ("records.view_record",)
RECORD_WRITE = ("records.change_record", "records.import_records")
RECORD_REVIEW = ("records.review_record",)
RECORD_EXPORT = ("records.export_records",)
VOCAB_ADMIN = ("vocab.add_term", "vocab.change_term", "vocab.add_place", "vocab.change_place")
# The identity vault (vault/services.py): reveal, add, shred. Vault keepers only, nobody else.
VAULT = ("vault.open_vault", "vault.add_entry", "vault.shred_entry")
# Legal assessment (assessment/access.py): case files are seen by members of their
# compartment only; changing them and confirming another expert's assessment are legal work.
CASE_READ = ("assessment.view_cases",)
CASE_WRITE = ("assessment.change_cases", "assessment.review_assessment")

ROLES: tuple[Role, ...] = (
    Role(
        "documentation-officer",
        _("Documentation officer"),
        _("Interviews escapees, records testimonies, uploads documents and media."),
        (
            *ITEM_READ,
            *ITEM_WRITE,
            *ITEM_ORIGINALS,
            "evidence.view_strictly_confidential",
            *RECORD_READ,
            *RECORD_WRITE,
            *RECORD_EXPORT,
        ),
    ),
    Role(
        "analyst",
        _("Analyst"),
        _("Describes who did what to whom, links records, finds patterns."),
        (
            *ITEM_READ,
            "evidence.change_item",
            *ITEM_ORIGINALS,
            *RECORD_READ,
            *RECORD_WRITE,
            *RECORD_REVIEW,
            *RECORD_EXPORT,
        ),
    ),
    Role(
        "legal-expert",
        _("Legal expert"),
        _("Grades sources, assesses evidence against elements of crimes, builds case files."),
        (
            *ITEM_READ,
            *ITEM_ORIGINALS,
            "evidence.view_strictly_confidential",
            *RECORD_READ,
            *RECORD_REVIEW,
            *RECORD_EXPORT,
            *CASE_READ,
            *CASE_WRITE,
        ),
    ),
    Role(
        "vault-keeper",
        _("Vault keeper"),
        _("The only role that sees the real identities of witnesses and relatives."),
        (*ITEM_READ, "evidence.view_strictly_confidential", *RECORD_READ, *VAULT),
        requires_two_factor=True,
    ),
    Role(
        "manager",
        _("Manager"),
        _("Statistics and reports, recommendation follow-up, approves exports."),
        ("accounts.view_audit", *ITEM_READ, *RECORD_READ, *RECORD_EXPORT, *CASE_READ),
        requires_two_factor=True,
    ),
    Role(
        "partner",
        _("Partner"),
        _("An organisation that submits or receives evidence packages."),
        # Partners submit; they see only what they submitted (evidence/access.py).
        ("evidence.add_item",),
    ),
    Role(
        "auditor",
        _("Auditor"),
        _("Reads the custody and audit trail; changes nothing."),
        ("accounts.view_audit", "accounts.run_verify", *ITEM_READ, *RECORD_READ),
    ),
    Role(
        "admin",
        _("Administrator"),
        _("Manages users and roles, checkpoints and verification."),
        (
            "accounts.manage_users",
            "accounts.view_audit",
            "accounts.create_checkpoint",
            "accounts.run_verify",
            *ITEM_READ,
            *ITEM_WRITE,
            *ITEM_ORIGINALS,
            "evidence.view_strictly_confidential",
            *RECORD_READ,
            *RECORD_WRITE,
            *RECORD_EXPORT,
            *VOCAB_ADMIN,
            "assessment.manage_frameworks",
        ),
        requires_two_factor=True,
    ),
)

ROLES_BY_NAME = {role.name: role for role in ROLES}
ROLE_NAMES = tuple(ROLES_BY_NAME)


def get_role(name: str) -> Role:
    """Return the role called `name`; raise ValueError naming the valid roles otherwise."""
    try:
        return ROLES_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown role {name!r}; choose one of: {', '.join(ROLE_NAMES)}") from None


def roles_of(user) -> list[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in ROLES if role.name in names]


def requires_two_factor(user) -> bool:
    if user.is_superuser:
        return True
    return any(role.requires_two_factor for role in roles_of(user))
