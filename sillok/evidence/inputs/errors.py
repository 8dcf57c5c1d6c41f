"""The one exception this package raises for bad user input.

Every refusal carries a stable ``code`` (for the intake service, the API and tests to branch
on) and a ``message`` that names the exact file, member and problem, because the person who
sees it is usually a documentation officer holding a USB stick, not a developer: "zip member
'../../etc/passwd' escapes the archive" is actionable, "invalid archive" is not.

Codes in use:

``not_found``, ``unreadable``, ``symlink``, ``system_file``
    the path itself (missing, no permission or not a regular file, a symbolic link,
    operating-system metadata such as ``.DS_Store``).
``bad_filename``
    a name that cannot be stored or shown safely (control or bidi-override characters,
    not UTF-8, too long, ``..``).
``empty``, ``too_large``, ``type_mismatch``, ``corrupt``
    the content of one file.
``zip_path_traversal``, ``zip_absolute_path``, ``zip_symlink``, ``zip_duplicate_name``,
``zip_encrypted``, ``zip_unsupported``, ``zip_too_large``, ``zip_bomb``, ``zip_corrupt``
    an archive; the whole archive is refused.
``bag_invalid``, ``bag_manifest_mismatch``
    a BagIt bag; the whole bag is refused.

Programming errors (a non-empty destination folder, say) are ordinary ``ValueError``\\ s, not
``RejectedInput``: they are not the user's fault and must not be shown as if they were.
"""

from __future__ import annotations


class RejectedInput(Exception):
    """User-supplied input that is refused; nothing was kept or changed because of it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"RejectedInput({self.code!r}, {self.message!r})"
