"""Corrections, consent per purpose and the record's history, against the real broker and store."""
from __future__ import annotations

from datetime import date

from shared.events import topics
from tests.e2e.people import PERSONAL_VALUES, mentee, mentor
from tests.kafka_reader import envelopes, read_topics


def participant(participant_id: str) -> str:
    return f"/branches/brussels/participants/{participant_id}"


async def published(kafka_bootstrap, intake, topic, kind, count):
    records = await read_topics(kafka_bootstrap, [intake.prefix + topic],
                                until=lambda rs: len([e for e in envelopes(rs) if e.type == kind]) >= count)
    return records, [e for e in envelopes(records) if e.type == kind]


async def test_a_correction_publishes_the_contact_and_a_coarse_profile_and_keeps_a_history(intake, kafka_bootstrap):
    body = mentee()
    mentee_id = (await intake.post("/branches/brussels/mentees", json=body)).json()["participant_id"]
    new_email = body["email"].replace("@", ".moved@")
    r = await intake.patch(participant(mentee_id), json={
        "email": new_email, "postcode": "1050", "languages": [{"code": "fr", "level": "B2"}],
        "availability": body["availability"]})  # unchanged: not a change
    assert r.status_code == 200, r.text

    _, [_, contact] = await published(kafka_bootstrap, intake, topics.PARTICIPANT_CONTACTS,
                                      "participant-contact-changed", 2)
    assert contact.subject == mentee_id and contact.data["email"] == new_email
    records, [profile] = await published(kafka_bootstrap, intake, topics.PARTICIPANTS,
                                         "participant-profile-changed", 1)
    assert profile.data["changed"] == ["languages", "postcode"] and profile.data["postcode_area"] == "BE-10"
    assert profile.data["languages"] == [{"code": "fr", "level": "B2"}]
    assert profile.data["sectors"] == body["target_sectors"] and profile.data["experience"] is None
    assert not any(v.encode() in r.value for r in records for v in (*PERSONAL_VALUES, "1050", new_email))

    # The same correction again changes nothing and adds no line.
    assert (await intake.patch(participant(mentee_id), json={"postcode": "1050"})).status_code == 200
    entries = (await intake.get(participant(mentee_id) + "/history")).json()["entries"]
    assert [(e["change"], e["fields"]) for e in entries] == [
        ("correction", ["email", "languages", "postcode"]), ("registration", [])]
    assert all(e["by"] and e["at"] for e in entries)


async def test_a_correction_is_checked_like_a_registration_and_refused_whole(intake):
    body = mentee()
    mentee_id = (await intake.post("/branches/brussels/mentees", json=body)).json()["participant_id"]
    record = {"version": 1, "personal": 1, "profile": 1, "history": 1}
    before = await intake.participants.find_one({"_id": mentee_id}, record)
    for change, field, rule in (
            ({"postcode": "ABCD"}, "postcode", "address.postcode"),
            ({"languages": [{"code": "ar", "level": "native"}]}, "languages", "language.working_language"),
            ({"experience": [{"sector": "it", "years": 3}]}, "experience", "correction.not_for_role")):
        r = await intake.patch(participant(mentee_id), json={"first_name": "Changed", **change})
        assert r.status_code == 422, r.text
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    r = await intake.patch(participant(mentee_id), json={"email": "not-an-address"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "email"
    assert await intake.participants.find_one({"_id": mentee_id}, record) == before

    other = mentee()
    await intake.post("/branches/brussels/mentees", json=other)
    r = await intake.patch(participant(mentee_id), json={"email": other["email"]})  # someone else's address
    assert r.status_code == 409 and r.json()["matched_on"] == ["email"]


async def test_consent_per_purpose_with_date_and_source(intake, kafka_bootstrap):
    mentor_id = (await intake.post("/branches/brussels/mentors", json=mentor())).json()["participant_id"]
    today = date.today().isoformat()
    r = await intake.put(participant(mentor_id) + "/consents/contact", json={"granted": False, "source": "phone"})
    assert r.status_code == 200, r.text
    consents = r.json()["consents"]
    assert consents["contact"] == {"granted": False, "on": today, "source": "phone"}
    assert consents["follow_up"] == {"granted": True, "on": None, "source": None}
    r = await intake.put(participant(mentor_id) + "/consents/follow_up", json={"granted": True, "on": "1990-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "consent.date"
    r = await intake.put(participant(mentor_id) + "/consents/marketing", json={"granted": True})
    assert r.status_code == 422

    _, [event] = await published(kafka_bootstrap, intake, topics.PARTICIPANTS, "participant-consent-changed", 1)
    assert event.data == {"participant_id": mentor_id, "purpose": "contact", "granted": False,
                          "recorded_on": today, "source": "phone"}


async def test_after_an_erasure_the_history_keeps_field_names_and_dates_only(intake):
    body = mentee()
    mentee_id = (await intake.post("/branches/brussels/mentees", json=body)).json()["participant_id"]
    new_name, new_email = "Zineb", body["email"].replace("@", ".x@")
    await intake.patch(participant(mentee_id), json={"first_name": new_name, "email": new_email, "postcode": "1060"})
    await intake.put(participant(mentee_id) + "/consents/reminders", json={"granted": False, "source": "email"})
    assert (await intake.delete(participant(mentee_id))).status_code == 204

    history = (await intake.get(participant(mentee_id) + "/history")).json()
    assert [e["change"] for e in history["entries"]] == ["erasure", "consent", "correction", "registration"]
    assert history["entries"][2]["fields"] == ["email", "first_name", "postcode"] and history["next"] is None
    first = (await intake.get(participant(mentee_id) + "/history", params={"limit": 3})).json()
    rest = (await intake.get(first["next"])).json()
    assert [e["change"] for e in first["entries"] + rest["entries"]] == [e["change"] for e in history["entries"]]
    assert rest["next"] is None
    record = str(await intake.participants.find_one({"_id": mentee_id}, {"outbox": 0}))
    for value in ("Amina", body["last_name"], body["email"], body["birth_date"], new_name, new_email, "1060", "1030"):
        assert value not in record, f"{value!r} is still in the erased record"
    r = await intake.patch(participant(mentee_id), json={"first_name": "Again"})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "participant.erased"
