"""The fairness audit: shares against the overall share, the four-fifths flag, small groups suppressed."""
from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from services.intake.domain.fairness import MenteePath, audit

AS_OF = date(2025, 6, 1)
START = date(2025, 1, 1)


def paths(count: int, *, matched: int, groups: dict[str, tuple[str, ...]], days: int = 20,
          registered_on: date = START) -> list[MenteePath]:
    """`count` mentees of the given groups, the first `matched` with a duo after `days` days."""
    return [MenteePath(registered_on, registered_on + timedelta(days=days) if k < matched else None, groups)
            for k in range(count)]


def line(result, attribute, group):
    return next(g for g in result.lines if (g.attribute, g.group) == (attribute, group))


def test_a_group_under_four_fifths_of_the_overall_share_is_flagged():
    # Overall 60 of 100 (60%); French speakers 54 of 80 (67.5%); Tigrinya speakers 6 of 20 (30%).
    people = paths(80, matched=54, groups={"language": ("fr",)}) + paths(20, matched=6, groups={"language": ("ti",)})
    result = audit(people, AS_OF)
    assert (result.mentees, result.matched, result.share) == (100, 60, Fraction(3, 5))
    ti, fr = line(result, "language", "ti"), line(result, "language", "fr")
    assert (ti.mentees, ti.matched, ti.share, ti.ratio, ti.flagged) == (20, 6, Fraction(3, 10), Fraction(1, 2), True)
    assert (fr.share, fr.flagged) == (Fraction(27, 40), False)


def test_exactly_four_fifths_is_not_flagged():
    # Overall 50 of 100 (50%); the group 8 of 20 (40% = 4/5 of 50%): on the line, not under it.
    people = paths(20, matched=8, groups={"age_band": ("25-29",)}) + paths(80, matched=42, groups={"age_band": ("18-24",)})
    group = line(audit(people, AS_OF), "age_band", "25-29")
    assert group.ratio == Fraction(4, 5) and not group.flagged


def test_groups_under_the_minimum_cell_are_suppressed_and_show_no_counts():
    people = paths(9, matched=0, groups={"postcode_area": ("BE-12",)}) + \
        paths(10, matched=0, groups={"postcode_area": ("BE-11",)}) + paths(30, matched=30, groups={"postcode_area": ("BE-10",)})
    result = audit(people, AS_OF)
    small = line(result, "postcode_area", "BE-12")
    assert small.suppressed and (small.mentees, small.matched, small.share, small.flagged) == (None, None, None, False)
    at_minimum = line(result, "postcode_area", "BE-11")
    assert not at_minimum.suppressed and at_minimum.mentees == 10 and at_minimum.flagged
    # The suppressed group still counts in the overall figures.
    assert (result.mentees, result.matched) == (49, 30)
    assert line(audit(people, AS_OF, minimum_cell=5), "postcode_area", "BE-12").flagged
    table = result.table()
    assert "BE-12" in table and "suppressed" in table and "<10" in table
    rendered = result.as_dict()["groups"]
    assert next(g for g in rendered if g["group"] == "BE-12") == {
        "attribute": "postcode_area", "group": "BE-12", "suppressed": True, "mentees": None, "matched": None,
        "share_pct": None, "ratio_to_overall": None, "median_days_to_duo": None, "flagged": False}


def test_only_mentees_who_had_the_whole_window_count_and_late_duos_do_not():
    recent = paths(10, matched=0, groups={"language": ("fr",)}, registered_on=AS_OF - timedelta(days=29))
    late = paths(10, matched=10, groups={"language": ("fr",)}, days=31)
    on_time = paths(10, matched=10, groups={"language": ("fr",)}, days=30)
    result = audit(recent + late + on_time, AS_OF)
    assert (result.mentees, result.matched) == (20, 10)
    assert line(result, "language", "fr").median_days == 30.5


def test_a_mentee_in_two_groups_counts_in_both():
    people = paths(10, matched=10, groups={"language": ("ar", "fr")}) + paths(10, matched=0, groups={"language": ("fr",)})
    result = audit(people, AS_OF)
    assert line(result, "language", "ar").mentees == 10 and line(result, "language", "fr").mentees == 20
    assert result.mentees == 20


def test_nobody_matched_flags_nobody_and_nobody_observable_gives_an_empty_audit():
    assert not any(g.flagged for g in audit(paths(20, matched=0, groups={"language": ("fr",)}), AS_OF).lines)
    empty = audit(paths(20, matched=5, groups={"language": ("fr",)}, registered_on=AS_OF), AS_OF)
    assert (empty.mentees, empty.share, empty.lines) == (0, None, [])
