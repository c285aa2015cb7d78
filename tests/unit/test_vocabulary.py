"""The shared vocabulary: slots, languages, postcode areas and distances, ages."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events.common import LanguageCode, Slot
from shared.vocabulary import (
    AREA_PATTERN, CEFR_LEVELS, LANGUAGE_NAMES, SLOTS, SUPPORT_KINDS, SUPPORT_LABELS, UNKNOWN_DISTANCE_KM,
    age_band, age_on, area_distance_km, known_area, level_rank, postcode_area,
)

AGE_BAND = re.compile(r"^\d{2}(-\d{2}|\+)$")


def _pattern(annotated) -> re.Pattern[str]:
    """The regex the event catalog itself enforces, so the two cannot drift apart."""
    return re.compile(annotated.__metadata__[0].pattern)


def test_the_21_weekly_slots_match_the_event_catalog():
    slot = _pattern(Slot)
    assert len(SLOTS) == len(set(SLOTS)) == 21
    assert all(slot.match(s) for s in SLOTS)
    assert SLOTS[0] == "mon-am" and SLOTS[-1] == "sun-eve"


def test_language_names_cover_the_programme_languages():
    required = "fr nl en de ar tr es pt it ru uk fa ps prs ti so am ber ku ln wo ff bm sw ur hi bn zh sq ro pl"
    assert set(required.split()) <= set(LANGUAGE_NAMES)
    code = _pattern(LanguageCode)
    assert all(code.match(c) for c in LANGUAGE_NAMES)
    assert LANGUAGE_NAMES["prs"] == "Dari" and LANGUAGE_NAMES["ti"] == "Tigrinya" and LANGUAGE_NAMES["so"] == "Somali"


def test_levels_rank_in_cefr_order():
    assert CEFR_LEVELS == ("A1", "A2", "B1", "B2", "C1", "C2", "native")
    assert [level_rank(lvl) for lvl in CEFR_LEVELS] == list(range(7))
    with pytest.raises(ValueError):
        level_rank("B3")


def test_support_kinds_have_labels():
    assert set(SUPPORT_KINDS) == set(SUPPORT_LABELS)
    assert len(SUPPORT_KINDS) == 7 and "interview_practice" in SUPPORT_KINDS


@pytest.mark.parametrize(("country", "postcode", "area"), [
    ("BE", "1030", "BE-10"), ("BE", " 9000 ", "BE-90"), ("be", "4020", "BE-40"),
    ("FR", "93200", "FR-93"), ("FR", "75011", "FR-75"), ("FR", "01000", "FR-01"), ("FR", "06000", "FR-06"),
    ("FR", "20000", "FR-2A"), ("FR", "20200", "FR-2B"), ("FR", "2B200", "FR-2B"), ("FR", "97400", "FR-974"),
    ("NL", "3011 AB", "NL-30"), ("NL", "3011ab", "NL-30"), ("NL", "1012", "NL-10"),
])
def test_postcode_area_of_valid_postcodes(country, postcode, area):
    assert postcode_area(country, postcode) == area
    assert AREA_PATTERN.match(area)


@pytest.mark.parametrize(("country", "postcode"), [
    ("BE", "0999"), ("BE", "103"), ("BE", "10300"), ("BE", "abcd"), ("BE", ""),
    ("FR", "9320"), ("FR", "96000"), ("FR", "00100"), ("FR", "97900"), ("FR", "2C000"),
    ("NL", "0123 AB"), ("NL", "3011 A1"), ("NL", "3011  AB"), ("DE", "10115"), ("", "1030"),
])
def test_invalid_postcodes_are_refused_in_plain_words(country, postcode):
    with pytest.raises(ValueError) as excinfo:
        postcode_area(country, postcode)
    message = str(excinfo.value)
    assert "postcode" in message or "country" in message


@given(st.integers(1000, 9999))
def test_every_belgian_postcode_has_an_area_with_a_centroid(number):
    area = postcode_area("BE", str(number))
    assert area == f"BE-{str(number)[:2]}" and AREA_PATTERN.match(area) and known_area(area)


@given(st.integers(1000, 9999), st.text("ABCDEFGHJKLMNPRSTVWXZ", min_size=2, max_size=2), st.booleans())
def test_every_dutch_postcode_has_an_area_with_a_centroid(number, letters, space):
    area = postcode_area("NL", f"{number}{' ' if space else ''}{letters}")
    assert area == f"NL-{str(number)[:2]}" and known_area(area)


@given(st.integers(1000, 95999))
def test_french_metropolitan_postcodes_give_a_department(number):
    area = postcode_area("FR", f"{number:05d}")
    assert AREA_PATTERN.match(area)
    assert area[3:] in ("2A", "2B") if f"{number:05d}".startswith("20") else area == f"FR-{number:05d}"[:5]


def test_branch_departments_are_all_in_the_distance_table():
    for dept in "75 77 78 91 92 93 94 95 59 62 13 83 84 69 01 38 42 33 31 67 44 34 06".split():
        assert known_area(f"FR-{dept}")


@pytest.mark.parametrize(("a", "b", "low", "high"), [
    ("BE-10", "BE-11", 1, 10),  # within Brussels
    ("BE-10", "BE-40", 80, 105),  # Brussels - Liège, about 90 km
    ("BE-10", "BE-20", 35, 50),  # Brussels - Antwerp, about 42 km
    ("NL-10", "NL-30", 45, 70),  # Amsterdam - Rotterdam, about 57 km
    ("FR-75", "FR-13", 600, 720),  # Paris - Marseille, about 660 km
    ("FR-59", "BE-10", 80, 120),  # Lille - Brussels, about 100 km
])
def test_area_distances_are_about_right(a, b, low, high):
    assert low <= area_distance_km(a, b) <= high
    assert area_distance_km(a, b) == pytest.approx(area_distance_km(b, a))


def test_same_area_is_zero_and_unknown_areas_are_far_without_failing():
    assert area_distance_km("BE-10", "BE-10") == 0.0
    assert area_distance_km("FR-99", "FR-99") == 0.0
    assert area_distance_km("BE-10", "FR-99") == UNKNOWN_DISTANCE_KM
    assert area_distance_km("nowhere", "BE-10") == UNKNOWN_DISTANCE_KM


LEAP_BORN = date(2000, 2, 29)


@pytest.mark.parametrize(("on", "age"), [
    (date(2018, 2, 28), 17), (date(2018, 3, 1), 18), (date(2020, 2, 28), 19), (date(2020, 2, 29), 20),
    (date(2000, 2, 29), 0), (date(2001, 2, 28), 0), (date(2001, 3, 1), 1),
])
def test_age_of_someone_born_on_29_february(on, age):
    assert age_on(LEAP_BORN, on) == age


def _anniversary(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year: celebrated on 1 March
        return date(year, 3, 1)


@given(st.dates(date(1930, 1, 1), date(2020, 12, 31)), st.integers(0, 36000))
def test_age_counts_the_anniversaries_passed(born, days):
    on = born + timedelta(days=days)
    expected = sum(1 for year in range(born.year + 1, on.year + 1) if _anniversary(born, year) <= on)
    assert age_on(born, on) == expected


def test_age_on_a_day_before_birth_is_refused():
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(("age", "band_before", "band_on"), [
    (18, "00-17", "18-24"), (25, "18-24", "25-29"), (30, "25-29", "30-33"), (34, "30-33", "34-49"),
    (50, "34-49", "50-59"), (60, "50-59", "60-69"), (70, "60-69", "70+"),
])
def test_age_band_edges(age, band_before, band_on):
    birthday = date(2000 + age, 2, 29) if (2000 + age) % 4 == 0 else date(2000 + age, 3, 1)
    # Born on 29 February 2000: the band changes on the anniversary, not a day earlier.
    assert age_band(LEAP_BORN, birthday - timedelta(days=1)) == band_before
    assert age_band(LEAP_BORN, birthday) == band_on
    assert AGE_BAND.match(band_before) and AGE_BAND.match(band_on)


def test_age_band_of_a_child():
    assert age_band(date(2010, 5, 5), date(2025, 5, 5)) == "00-17"
