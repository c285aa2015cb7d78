"""The console's pure parts: dashboard summary, figures' chart and CSV, languages."""
from __future__ import annotations

from datetime import date

from services.console.domain.dashboard import summarise
from services.console.domain.figures import as_csv, chart, month_periods, shown
from services.console.i18n import LANGUAGES, MESSAGES, negotiate, translator

TODAY = date(2026, 3, 10)


def test_waiting_mentees_by_days_waiting_without_those_already_proposed_or_in_a_duo():
    participants = [{"participant_id": "m1", "first_name": "Amina", "registered_on": "2026-02-01"},
                    {"participant_id": "m2", "first_name": "Yonas", "registered_on": "2026-03-01"},
                    {"participant_id": "m3", "first_name": "Lina", "registered_on": "2026-01-01"}]
    pool = [{"participant_id": "m1", "role": "mentee", "status": "waiting"},
            {"participant_id": "m2", "role": "mentee", "status": "waiting"},
            {"participant_id": "m3", "role": "mentee", "status": "waiting"},
            {"participant_id": "t1", "role": "mentor", "status": "active", "trained": True},
            {"participant_id": "t2", "role": "mentor", "status": "active", "trained": True},
            {"participant_id": "t3", "role": "mentor", "status": "active", "trained": False}]
    proposals = [{"mentee_id": "m3", "mentor_id": "t2", "status": "formed"}]
    duos = [{"duo_id": "d", "status": "active", "at_risk": True, "check_ins_due": [1]}]
    summary = summarise(participants, pool, proposals, duos, TODAY, truncated=False)
    assert [(w.first_name, w.days) for w in summary.waiting] == [("Amina", 37), ("Yonas", 9)]
    assert summary.trained_mentors_available == 1
    assert summary.open_proposals == 0 and summary.active_duos == 1
    assert len(summary.at_risk) == 1 and len(summary.check_ins_due) == 1 and not summary.truncated


def test_six_calendar_months_the_last_one_ending_today():
    periods = month_periods(TODAY)
    assert periods[0] == (date(2025, 10, 1), date(2025, 10, 31))
    assert periods[-1] == (date(2026, 3, 1), TODAY)
    assert all(end.day >= 28 or end == TODAY for _, end in periods)


def test_the_chart_scales_every_series_to_the_highest_value():
    months = [(date(2026, m, 1), {"active_duos": {"value": v}, "young_people_supported": {"value": 2 * v}})
              for m, v in ((1, 0), (2, 5), (3, 10))]
    drawn = chart(months, names=("active_duos", "young_people_supported"), width=240, height=140, margin=20)
    duos, young = drawn.series
    assert duos.points == "20.0,120.0 120.0,95.0 220.0,70.0"
    assert young.points.endswith("220.0,20.0") and young.last == 20
    assert [label for _, label in drawn.labels] == ["2026-01", "2026-02", "2026-03"]


def test_shown_figures_and_the_csv_keep_exact_values():
    assert shown({"unit": "rate", "value": "7/10", "percent": 70.0}) == "70.0 %"
    assert shown({"unit": "count", "value": 3}) == "3" and shown({"unit": "rate", "value": None}) == "–"
    figures = {"period_start": "2026-01-01", "period_end": "2026-03-10", "definitions_version": "2026.1",
               "figures": {"completion_rate": {"value": "9/10", "numerator": 9, "denominator": 10, "percent": 90.0}}}
    text = as_csv([("brussels", figures)], {"completion_rate": {"numerator": "Completed duos"}})
    assert text.splitlines()[1] == "brussels,2026-01-01,2026-03-10,2026.1,completion_rate,9/10,9,10,90.0,Completed duos"


def test_every_message_is_in_french_dutch_and_english():
    assert LANGUAGES == ("fr", "nl", "en")
    for key, texts in MESSAGES.items():
        assert len(texts) == 3 and all(t.strip() for t in texts), key
    assert translator("nl")("service_down", service="intake").startswith("De dienst 'intake'")


def test_the_browsers_preferred_language_among_ours_wins_french_otherwise():
    assert negotiate("nl-BE,nl;q=0.9,en;q=0.8") == "nl"
    assert negotiate("de-DE,en;q=0.5,fr;q=0.7") == "fr"
    assert negotiate("en-GB") == "en"
    assert negotiate("de, it") == "fr" and negotiate(None) == "fr" and negotiate("nl;q=0, en;q=0.1") == "en"
