"""Every relative link in README.md and docs/ leads somewhere: to a file or folder of this repository
and, after a #, to a heading of that page (GitHub's anchors). A newcomer who follows one never lands
on a missing page or outside the repository."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target) and ![alt](target); the text may hold code spans, the target no spaces.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, ...
# A path named in a code span, from a top folder of the repository (`<name>` and `*` are patterns).
NAMED_PATH = re.compile(r"`((?:services|shared|tests|infra|bench|synthetic|examples|docs|\.ci)/[^`\s<*]*)`")


def pages() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def without_code(text: str) -> str:
    return FENCE.sub("", text)


def links(text: str) -> list[str]:
    # Links inside a code span or block are examples, not links; a code span inside a link's text is kept.
    prose = INLINE_CODE.sub("", without_code(text))
    return [m.group(1) for m in LINK.finditer(prose)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its rendered text, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts by its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(without_code(page.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")  # GitHub numbers repeated headings
    return found


def broken(page: Path, target: str, repo: Path = REPO) -> str | None:
    """Why a link of `page` is broken, or None."""
    if EXTERNAL.match(target):
        return None
    path, _, anchor = target.partition("#")
    if path.startswith("/"):
        return "an absolute path: links are relative to the page"
    destination = (page.parent / path).resolve() if path else page
    if not destination.is_relative_to(repo):
        return "points outside the repository"
    name = destination.relative_to(repo)
    if not destination.exists():
        return f"{name} does not exist"
    if anchor:
        if destination.suffix != ".md":
            return f"an anchor into {name}, which is not a Markdown page"
        if anchor not in anchors(destination):
            return f"no heading of {name} has the anchor #{anchor}"
    return None


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_to_a_file_and_heading_of_the_repository(page):
    failures = [f"{page.relative_to(REPO)}: ({target}) {why}"
                for target in links(page.read_text()) if (why := broken(page, target))]
    assert not failures, "broken links:\n" + "\n".join(failures)


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_file_the_page_names_exists(page):
    # A rename (or a file moved away) must take its mentions in the docs with it.
    named = {m.group(1).rstrip(",.:;").split("::")[0] for m in NAMED_PATH.finditer(page.read_text())}
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert not missing, f"{page.relative_to(REPO)} names files that do not exist: {missing}"


def test_the_docs_have_pages_to_check():
    assert len(pages()) > 1 and all(page.exists() for page in pages())


def test_a_broken_link_is_caught_with_its_reason(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# The `make run` page (local)\n\n## Again\n\n## Again\n")
    page = tmp_path / "README.md"
    assert broken(page, "docs/a.md#the-make-run-page-local", tmp_path) is None
    assert broken(page, "docs/a.md#again-1", tmp_path) is None
    assert broken(page, "https://example.org/x", tmp_path) is None
    assert broken(page, "docs/b.md", tmp_path) == "docs/b.md does not exist"
    assert broken(page, "docs/a.md#missing", tmp_path) == "no heading of docs/a.md has the anchor #missing"
    assert broken(page, "../elsewhere/notes.md", tmp_path) == "points outside the repository"
    assert broken(page, "/elsewhere/notes.md", tmp_path).startswith("an absolute path")
    text = "[a](x.md) `[b](y.md)` [`c`](c.md)\n```\n[d](z.md)\n```\n![e](p.png)"
    assert links(text) == ["x.md", "c.md", "p.png"]
    named = [m.group(1) for m in NAMED_PATH.finditer("`shared/a.py`, `services/<name>/b.py` and `make run`")]
    assert named == ["shared/a.py"]
