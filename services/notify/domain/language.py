"""Which language a message goes out in: the person's, else the branch's working language, else English."""
from __future__ import annotations

from collections.abc import Collection

FALLBACK = "en"


def choose_language(preferred: str | None, branch_language: str | None, available: Collection[str]) -> str:
    for language in (preferred, branch_language):
        if language and language in available:
            return language
    return FALLBACK
