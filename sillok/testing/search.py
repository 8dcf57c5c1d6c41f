"""Test help for the search index.

Changes queue their re-indexing and are indexed when their transaction commits; a
`pytest.mark.django_db` test runs inside a transaction that never commits, so nothing is
indexed by itself. Call `index_pending()` after creating the test data (or use pytest-django's
`django_capture_on_commit_callbacks(execute=True)` around the changes).
"""

from __future__ import annotations


def index_pending() -> int:
    """Index everything queued so far (what a commit or the index job would do); returns the
    number of objects indexed."""
    from sillok.search.indexing import process_queue

    return process_queue()


def reindex_all() -> dict:
    """Rebuild the whole index from the database (`sillok reindex`)."""
    from sillok.search.indexing import reindex

    return reindex()
