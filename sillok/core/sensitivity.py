"""Sensitivity levels shared by items (evidence) and records (documentation model).

One definition, so that clearance means the same everywhere: public and internal need no
clearance, restricted needs `evidence.view_restricted`, strictly confidential needs
`evidence.view_strictly_confidential` (the permission names predate records and stay, so
existing role grants keep their meaning).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sensitivity(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    RESTRICTED = "restricted", _("Restricted")
    STRICTLY_CONFIDENTIAL = "strictly_confidential", _("Strictly confidential")


# Ordered from least to most sensitive; clearance compares positions in this list.
SENSITIVITY_ORDER = [choice.value for choice in Sensitivity]


def cleared_levels(user: Any) -> list[str]:
    """The sensitivity levels `user` is cleared for (callers check the view permission)."""
    levels = [Sensitivity.PUBLIC, Sensitivity.INTERNAL]
    if user.has_perm("evidence.view_restricted"):
        levels.append(Sensitivity.RESTRICTED)
    if user.has_perm("evidence.view_strictly_confidential"):
        levels.append(Sensitivity.STRICTLY_CONFIDENTIAL)
    return [str(level) for level in levels]
