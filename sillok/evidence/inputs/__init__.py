"""The input-safety layer of evidence intake: user paths in, checked candidate files out.

Pure Python, no database: the intake service calls ``walk_inputs`` to turn what the user
pointed at into candidates and rejections, then ``detect_media_type`` and ``check_content``
on each candidate before storing it. Everything refused raises or yields a specific code
and a message that names the file (see ``errors``).
"""

from .archives import ArchiveLimits, ExpandedMember, expand_zip
from .bags import BagInfo, BagPayload, is_bag, open_bag
from .errors import RejectedInput
from .media import check_content, detect_media_type
from .names import check_filename
from .walk import Candidate, Rejection, walk_inputs

__all__ = [
    "ArchiveLimits",
    "BagInfo",
    "BagPayload",
    "Candidate",
    "ExpandedMember",
    "Rejection",
    "RejectedInput",
    "check_content",
    "check_filename",
    "detect_media_type",
    "expand_zip",
    "is_bag",
    "open_bag",
    "walk_inputs",
]
