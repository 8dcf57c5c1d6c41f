"""Personas beyond the shared ones (tests/conftest.py) that the records tests need."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission


@pytest.fixture
def reader(make_user):
    """May see records, but holds no clearance for restricted ones."""
    user = make_user("reader")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="records", codename="view_record")
    )
    return user
