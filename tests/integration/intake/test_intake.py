"""Intake against the real broker and store: registrations become events; refusals change nothing."""
from __future__ import annotations

from datetime import date

import pytest

from shared.events import topics
from tests.e2e.people import PERSONAL_VALUES, TRAINING_MODULES, mentee, mentor
from tests.kafka_reader import envelopes, read_topics
from tests.suite import auth


async def read(kafka_bootstrap, http, topic, count):
    return await read_topics(kafka_bootstrap, [http.prefix + topic], until=lambda rs: len(rs) >= count)


async def test_registration_publishes_profile_and_contact_on_separate_topics(intake, kafka_bootstrap):
    body = mentee()
    r = await intake.post("/branches/brussels/mentees", json=body)
    assert r.status_code == 201, r.text
    mentee_id = r.json()["participant_id"]

    [registered] = envelopes(await read(kafka_bootstrap, intake, topics.PARTICIPANTS, 1))
    assert registered.type == "mentee-registered" and registered.subject == mentee_id
    assert registered.data["postcode_area"] == "BE-10" and registered.data["age_band"] == "18-24"
    raw = registered.to_bytes()
    assert not any(v.encode() in raw for v in PERSONAL_VALUES), "personal data in a domain event"
    assert b"1030" not in raw and mentee()["birth_date"].encode() not in raw

    [contact] = envelopes(await read(kafka_bootstrap, intake, topics.PARTICIPANT_CONTACTS, 1))
    assert contact.type == "participant-contact-changed"
    assert contact.data["email"] == body["email"]
    assert contact.correlation_id == registered.correlation_id


@pytest.mark.parametrize("change, field, rule", [
    ({"consent": False}, "consent", "consent.required"),
    ({"birth_date": "1980-01-01"}, "birth_date", "mentee.age_range"),
    ({"postcode": "ABCD"}, "postcode", "address.postcode"),
    ({"right_to_work": False}, "right_to_work", "mentee.right_to_work"),
    ({"birth_date": "2030-03-14"}, "birth_date", "birth_date.future"),  # was a 500 (age of the unborn)
    ({"birth_date": "0001-01-01"}, "birth_date", "birth_date.implausible"),
])
async def test_a_refused_registration_names_field_and_rule_and_writes_nothing(intake, change, field, rule):
    before = await intake.participants.count_documents({})
    r = await intake.post("/branches/brussels/mentees", json=mentee(**change))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in r.json()["errors"]]
    assert await intake.participants.count_documents({}) == before


@pytest.mark.parametrize("body, field", [
    (mentee(nickname="Ami"), "nickname"),
    (mentee(languages=[{"code": "ar", "level": "fluent"}]), "languages[0].level"),
    (mentee(email="not-an-address"), "email"),
    ({k: v for k, v in mentee().items() if k != "consent"}, "consent"),
])
async def test_malformed_bodies_get_problem_details_naming_the_field(intake, body, field):
    r = await intake.post("/branches/brussels/mentees", json=body)
    assert r.status_code == 422
    assert field in [e["field"] for e in r.json()["errors"]]
    assert "Traceback" not in r.text and "amina" not in r.text.lower()


async def test_not_json_and_too_large_bodies_are_4xx(intake):
    r = await intake.post("/branches/brussels/mentees", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = await intake.post("/branches/brussels/mentees", content=b"x" * (70 * 1024),
                          headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413


async def test_training_withdrawal_and_erasure(intake, kafka_bootstrap):
    mentor_id = (await intake.post("/branches/brussels/mentors", json=mentor())).json()["participant_id"]
    for module in TRAINING_MODULES:
        r = await intake.post(f"/branches/brussels/mentors/{mentor_id}/training-modules",
                              json={"module": module, "completed_on": date.today().isoformat()})
        assert r.status_code == 200, r.text
    assert r.json()["trained"] is True
    r = await intake.post(f"/branches/brussels/mentors/{mentor_id}/training-modules",
                          json={"module": TRAINING_MODULES[0], "completed_on": date.today().isoformat()})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "training.already_recorded"

    r = await intake.delete(f"/branches/brussels/participants/{mentor_id}")
    assert r.status_code == 204
    stored = await intake.participants.find_one({"_id": mentor_id})
    assert "personal" not in stored and stored["status"] == "erased"
    assert (await intake.get(f"/branches/brussels/participants/{mentor_id}")).json()["first_name"] is None

    events = envelopes(await read(kafka_bootstrap, intake, topics.PARTICIPANTS, 3))
    assert [e.type for e in events] == ["mentor-registered", "mentor-trained", "participant-erased"]
    contacts = await read(kafka_bootstrap, intake, topics.PARTICIPANT_CONTACTS, 2)
    assert contacts[-1].key.decode() == mentor_id and contacts[-1].value is None, "erasure leaves a tombstone"


async def test_withdrawal_event_and_unknown_participant(intake, kafka_bootstrap):
    mentee_id = (await intake.post("/branches/brussels/mentees", json=mentee())).json()["participant_id"]
    r = await intake.post(f"/branches/brussels/participants/{mentee_id}/withdrawal",
                          json={"withdrawn_on": date.today().isoformat()})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    events = envelopes(await read(kafka_bootstrap, intake, topics.PARTICIPANTS, 2))
    assert events[-1].type == "participant-withdrawn" and events[-1].data["role"] == "mentee"
    r = await intake.post("/branches/brussels/participants/no-such-id/withdrawal",
                          json={"withdrawn_on": date.today().isoformat()})
    assert r.status_code == 404 and r.json()["type"].endswith("not-found")


async def test_a_reminder_consent_is_recorded_and_published_once_per_change_without_personal_data(
        intake, kafka_bootstrap):
    mentee_id = (await intake.post("/branches/brussels/mentees", json=mentee())).json()["participant_id"]
    url = f"/branches/brussels/participants/{mentee_id}/consents/reminders"
    assert (await intake.get(f"/branches/brussels/participants/{mentee_id}")).json()["reminders"] is True
    for granted in (False, False, True):  # the same choice twice publishes once
        r = await intake.put(url, json={"granted": granted})
        assert r.status_code == 200 and r.json()["reminders"] is granted, r.text
    r = await intake.put(url, json={"granted": "maybe"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("granted")

    records = await read(kafka_bootstrap, intake, topics.PARTICIPANTS, 3)
    consents = [e for e in envelopes(records) if e.type == "participant-consent-changed"]
    today = date.today().isoformat()
    assert [e.data for e in consents] == [
        {"participant_id": mentee_id, "purpose": "reminders", "granted": g, "recorded_on": today,
         "source": "not_stated"} for g in (False, True)]
    assert not any(v.encode() in r.value for r in records for v in PERSONAL_VALUES)

    assert (await intake.delete(f"/branches/brussels/participants/{mentee_id}")).status_code == 204
    r = await intake.put(url, json={"granted": False})
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "participant.erased"


async def test_another_branch_cannot_see_or_change_this_branch_data(intake):
    mentee_id = (await intake.post("/branches/brussels/mentees", json=mentee())).json()["participant_id"]
    antwerp = auth("coordinator", ("antwerp",))
    assert (await intake.get(f"/branches/brussels/participants/{mentee_id}", headers=antwerp)).status_code == 403
    # With its own branch in the path, the id is simply not there.
    assert (await intake.get(f"/branches/antwerp/participants/{mentee_id}", headers=antwerp)).status_code == 404
    assert (await intake.delete(f"/branches/antwerp/participants/{mentee_id}", headers=antwerp)).status_code == 404
    assert (await intake.get(f"/branches/brussels/participants/{mentee_id}",
                             headers=auth("national", ()))).status_code == 200


@pytest.mark.parametrize("birth_date, rule", [("2030-03-14", "birth_date.future"), ("0001-01-01", "birth_date.implausible")])
async def test_a_mentor_with_an_impossible_birth_date_is_refused_not_failed(intake, birth_date, rule):
    r = await intake.post("/branches/brussels/mentors", json=mentor(birth_date=birth_date))
    assert r.status_code == 422, r.text
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("birth_date", rule)]
