"""Does any group of mentees wait longer for a mentor? Aggregate counts only.

For each attribute intake already holds (age band, languages, postcode area, ...) and each of
its groups: how many mentees could have been matched within the window (registered at least
`within_days` before the audit day), how many were, and that share against the overall one.
A group whose share is under four fifths of the overall share is flagged (the four-fifths
rule of adverse-impact testing). A group with fewer than `minimum_cell` such mentees is
suppressed: its counts are not shown, so no one can be singled out.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

FOUR_FIFTHS = Fraction(4, 5)
MINIMUM_CELL = 10
WITHIN_DAYS = 30


@dataclass(frozen=True)
class MenteePath:
    """One mentee's wait: registration, first duo formed (None while waiting), and the
    groups they belong to per attribute (a mentee speaking two languages is in both)."""

    registered_on: date
    first_duo_on: date | None
    groups: Mapping[str, tuple[str, ...]] = field(hash=False)

    def days_to_duo(self) -> int | None:
        return None if self.first_duo_on is None else (self.first_duo_on - self.registered_on).days


@dataclass(frozen=True)
class GroupLine:
    attribute: str
    group: str
    suppressed: bool
    mentees: int | None = None  # observable mentees; None when suppressed
    matched: int | None = None  # of them, with a duo within the window
    share: Fraction | None = None
    ratio: Fraction | None = None  # share / overall share
    median_days: float | None = None  # to the first duo, among those matched
    flagged: bool = False


@dataclass(frozen=True)
class FairnessAudit:
    as_of: date
    within_days: int
    minimum_cell: int
    mentees: int
    matched: int
    lines: list[GroupLine]

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.matched, self.mentees) if self.mentees else None

    def as_dict(self) -> dict[str, Any]:
        def pct(value: Fraction | None) -> float | None:
            return None if value is None else round(float(value) * 100, 1)

        return {
            "as_of": self.as_of.isoformat(), "within_days": self.within_days, "minimum_cell": self.minimum_cell,
            "definition": (f"share of mentees registered at least {self.within_days} days before {self.as_of} "
                           f"whose first duo formed within {self.within_days} days; a group is flagged below "
                           f"{FOUR_FIFTHS} of the overall share; groups under {self.minimum_cell} mentees suppressed"),
            "overall": {"mentees": self.mentees, "matched": self.matched, "share_pct": pct(self.share)},
            "groups": [{"attribute": g.attribute, "group": g.group, "suppressed": g.suppressed,
                        "mentees": g.mentees, "matched": g.matched, "share_pct": pct(g.share),
                        "ratio_to_overall": None if g.ratio is None else round(float(g.ratio), 2),
                        "median_days_to_duo": g.median_days, "flagged": g.flagged} for g in self.lines],
        }

    def table(self) -> str:
        """The audit as a plain-text table."""
        rows = [("attribute", "group", "mentees", f"matched <={self.within_days}d", "share", "vs all", "median d", "")]
        rows.append(("(all)", "", str(self.mentees), str(self.matched), _pct(self.share), "", "", ""))
        for g in self.lines:
            if g.suppressed:
                rows.append((g.attribute, g.group, f"<{self.minimum_cell}", "suppressed", "", "", "", ""))
            else:
                rows.append((g.attribute, g.group, str(g.mentees), str(g.matched), _pct(g.share),
                             "" if g.ratio is None else f"{float(g.ratio):.2f}",
                             "" if g.median_days is None else f"{g.median_days:g}",
                             "FLAG: under 4/5" if g.flagged else ""))
        widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def audit(paths: Iterable[MenteePath], as_of: date, within_days: int = WITHIN_DAYS,
          minimum_cell: int = MINIMUM_CELL, threshold: Fraction = FOUR_FIFTHS) -> FairnessAudit:
    observable = [p for p in paths if (as_of - p.registered_on).days >= within_days]
    matched = sum(_in_time(p, within_days) for p in observable)
    overall = Fraction(matched, len(observable)) if observable else None
    members: dict[tuple[str, str], list[MenteePath]] = {}
    for path in observable:
        for attribute, groups in path.groups.items():
            for group in set(groups):
                members.setdefault((attribute, group), []).append(path)
    lines = []
    for (attribute, group), people in sorted(members.items()):
        if len(people) < minimum_cell:
            lines.append(GroupLine(attribute, group, suppressed=True))
            continue
        hit = sum(_in_time(p, within_days) for p in people)
        share = Fraction(hit, len(people))
        ratio = share / overall if overall else None
        days = [d for p in people if (d := p.days_to_duo()) is not None]
        lines.append(GroupLine(attribute, group, suppressed=False, mentees=len(people), matched=hit, share=share,
                               ratio=ratio, median_days=statistics.median(days) if days else None,
                               flagged=ratio is not None and ratio < threshold))
    return FairnessAudit(as_of, within_days, minimum_cell, len(observable), matched, lines)


def _in_time(path: MenteePath, within_days: int) -> bool:
    days = path.days_to_duo()
    return days is not None and days <= within_days


def _pct(value: Fraction | None) -> str:
    return "" if value is None else f"{float(value) * 100:.1f}%"
