"""The fairness audit live: intake hears matching's duo-formed events over Kafka, keeps each
mentee's first duo day, and serves aggregate shares per group with small groups suppressed."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from shared.events import new_envelope
from shared.events.matching import DuoFormed
from tests.e2e.people import mentee
from tests.suite import auth

TODAY = date.today()
AS_OF = TODAY + timedelta(days=40)  # every mentee below had the whole 30 days
FRENCH = {"code": "fr", "level": "B2"}


async def register(http, count: int, language: str) -> list[str]:
    ids = []
    for _ in range(count):
        r = await http.post("/branches/brussels/mentees",
                            json=mentee(languages=[FRENCH, {"code": language, "level": "native"}]))
        assert r.status_code == 201, r.text
        ids.append(r.json()["participant_id"])
    return ids


def formed(mentee_id: str, after_days: int):
    duo_id = str(uuid.uuid4())
    return new_envelope(DuoFormed(duo_id=duo_id, mentee_id=mentee_id, mentor_id="mentor-1",
                                  started_on=TODAY + timedelta(days=after_days), score=80.0),
                        branch="brussels", subject=duo_id, correlation_id="fairness-test")


def group(audit: dict, attribute: str, name: str) -> dict:
    return next(g for g in audit["groups"] if (g["attribute"], g["group"]) == (attribute, name))


async def test_the_audit_flags_a_group_under_four_fifths_and_suppresses_small_ones(intake):
    arabic, tigrinya, ukrainian = await register(intake, 10, "ar"), await register(intake, 10, "ti"), \
        await register(intake, 3, "uk")
    late = formed(tigrinya[2], after_days=35)
    await intake.feed.send(
        *(formed(m, after_days=10) for m in arabic),  # every Arabic speaker within 30 days
        *(formed(m, after_days=10) for m in tigrinya[:2]), late,  # 2 of 10 Tigrinya speakers in time
        late, formed(arabic[0], after_days=200))  # a redelivery, and a second duo: the first one counts
    await intake.feed.settled("intake")

    r = await intake.get("/branches/brussels/figures/matching-fairness", params={"as_of": AS_OF.isoformat()})
    assert r.status_code == 200, r.text
    audit = r.json()
    assert audit["branch"] == "brussels" and audit["minimum_cell"] == 10
    assert audit["overall"] == {"mentees": 23, "matched": 12, "share_pct": 52.2}
    ti = group(audit, "language", "ti")
    assert (ti["mentees"], ti["matched"], ti["share_pct"], ti["flagged"]) == (10, 2, 20.0, True)
    ar = group(audit, "language", "ar")
    assert (ar["mentees"], ar["matched"], ar["flagged"], ar["median_days_to_duo"]) == (10, 10, False, 10)
    uk = group(audit, "language", "uk")
    assert uk["suppressed"] and uk["mentees"] is None and uk["matched"] is None
    assert group(audit, "postcode_area", "BE-10")["mentees"] == 23
    # Aggregates only: no participant id anywhere in the answer.
    assert not any(m in r.text for m in arabic + tigrinya + ukrainian)

    # Before the window closed nobody was observable yet.
    early = (await intake.get("/branches/brussels/figures/matching-fairness")).json()
    assert early["overall"]["mentees"] == 0 and early["groups"] == []


async def test_the_audit_across_branches_is_for_national_staff_only(intake):
    await register(intake, 10, "ar")
    r = await intake.get("/figures/matching-fairness", params={"as_of": AS_OF.isoformat()})
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await intake.get("/figures/matching-fairness", params={"as_of": AS_OF.isoformat()},
                         headers=auth("national", ()))
    assert r.status_code == 200, r.text
    assert r.json()["branch"] is None and r.json()["overall"] == {"mentees": 10, "matched": 0, "share_pct": 0.0}
    r = await intake.get("/figures/matching-fairness", params={"as_of": "not-a-date"}, headers=auth("national", ()))
    assert r.status_code == 422 and "as_of" in [e["field"] for e in r.json()["errors"]]
