"""Intake refuses the same person twice: in the branch (naming the record), or known in another branch."""
from __future__ import annotations

import asyncio

from tests.e2e.people import mentee, mentor
from tests.suite import auth

MENTEES = "/branches/brussels/mentees"


async def register(intake, body, path=MENTEES, **headers):
    return await intake.post(path, json=body, **headers)


async def test_the_same_email_or_names_and_birth_date_is_refused_naming_the_record(intake):
    first = mentee()
    created = (await register(intake, first)).json()["participant_id"]
    same_email = mentee(email=first["email"].upper())
    same_person = mentee(first_name=" ámina ", last_name=first["last_name"].upper().replace(" ", "  "),
                         birth_date=first["birth_date"])
    for body, matched, fields in ((same_email, ["email"], ["email"]),
                                  (same_person, ["name_and_birth_date"], ["first_name", "last_name", "birth_date"])):
        r = await register(intake, body)
        assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json", r.text
        problem = r.json()
        assert problem["existing_participant_id"] == created and problem["matched_on"] == matched
        assert [e["field"] for e in problem["errors"]] == fields
        assert {e["rule"] for e in problem["errors"]} == {"participant.duplicate"}
    # A mentor with a mentee's address is the same person too.
    r = await register(intake, mentor(email=first["email"]), "/branches/brussels/mentors")
    assert r.status_code == 409 and r.json()["existing_participant_id"] == created
    assert await intake.participants.count_documents({}) == 1


async def test_a_deliberate_duplicate_is_registered_and_recorded_as_such(intake):
    first = mentee()
    created = (await register(intake, first)).json()["participant_id"]
    r = await register(intake, {**first, "deliberate_duplicate": True})
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["deliberate_duplicate"] is True and second["participant_id"] != created
    history = (await intake.get(f"/branches/brussels/participants/{second['participant_id']}/history")).json()
    assert history["entries"][0]["change"] == "registration"
    assert history["entries"][0]["fields"] == ["deliberate_duplicate"]
    # Corrected later, it stays a knowing duplicate rather than being refused as one.
    r = await intake.patch(f"/branches/brussels/participants/{second['participant_id']}",
                           json={"first_name": "Amina-Rose", "preferred_language": "nl"})
    assert r.status_code == 200, r.text
    # The first record still holds the person's keys: a third registration is refused, naming it.
    assert (await register(intake, first)).json()["existing_participant_id"] == created


async def test_another_branch_learns_only_that_the_person_is_known_elsewhere(intake):
    first = mentee()
    await register(intake, first)
    liege = auth("coordinator", ("liege",))
    r = await register(intake, {**first, "postcode": "4000"}, "/branches/liege/mentees", headers=liege)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["known_in_another_branch"] is True and problem["existing_participant_id"] is None
    assert "brussels" not in r.text and {e["rule"] for e in problem["errors"]} == {
        "participant.known_in_another_branch"}
    r = await register(intake, {**first, "postcode": "4000", "deliberate_duplicate": True}, "/branches/liege/mentees",
                       headers=liege)
    assert r.status_code == 201, r.text


async def test_keys_are_keyed_hashes_and_erasure_removes_them(intake):
    first = mentee()
    created = (await register(intake, first)).json()["participant_id"]
    record = await intake.participants.find_one({"_id": created})
    stored_keys = " ".join(record["identity_keys"])
    assert len(record["identity_keys"]) == 2
    assert "haddad" not in stored_keys.lower() and first["email"].split("@")[0] not in stored_keys
    assert (await intake.delete(f"/branches/brussels/participants/{created}")).status_code == 204
    record = await intake.participants.find_one({"_id": created})
    assert "identity_keys" not in record and "duplicate_keys" not in record
    assert (await register(intake, first)).status_code == 201  # nobody holds the person's keys any more


async def test_a_deliberate_duplicate_s_keys_are_found_once_the_original_is_erased(intake):
    first = mentee()
    original = (await register(intake, first)).json()["participant_id"]
    liege = auth("coordinator", ("liege",))
    r = await register(intake, {**first, "postcode": "4000", "deliberate_duplicate": True}, "/branches/liege/mentees",
                       headers=liege)
    knowing = r.json()["participant_id"]
    assert (await intake.delete(f"/branches/brussels/participants/{original}")).status_code == 204
    # Only the deliberate duplicate holds the person's keys now, and only in `duplicate_keys`.
    r = await register(intake, {**first, "postcode": "4000"}, "/branches/liege/mentees", headers=liege)
    assert r.status_code == 409 and r.json()["existing_participant_id"] == knowing, r.text
    r = await register(intake, mentee(email=first["email"]))
    assert r.status_code == 409 and r.json()["known_in_another_branch"] is True, r.text


async def test_every_key_a_record_holds_is_in_held_keys_and_follows_corrections(intake):
    first = mentee()
    created = (await register(intake, first)).json()["participant_id"]
    knowing = (await register(intake, {**first, "deliberate_duplicate": True})).json()["participant_id"]
    for participant_id, own in ((created, "identity_keys"), (knowing, "duplicate_keys")):
        record = await intake.participants.find_one({"_id": participant_id})
        assert len(record["held_keys"]) == 2 and record["held_keys"] == record[own]
    # A new address changes the e-mail key: the old address is free again, the new one is taken.
    other = mentee()
    other_id = (await register(intake, other)).json()["participant_id"]
    moved = other["email"].replace("@", ".moved@")
    assert (await intake.patch(f"/branches/brussels/participants/{other_id}", json={"email": moved})).status_code == 200
    record = await intake.participants.find_one({"_id": other_id})
    assert record["held_keys"] == record["identity_keys"] and len(set(record["held_keys"])) == 2
    assert (await register(intake, mentee(email=moved))).json()["existing_participant_id"] == other_id
    assert (await register(intake, mentee(email=other["email"]))).status_code == 201
    # The knowing duplicate, corrected, keeps its keys in `duplicate_keys` and in `held_keys`, and is found by them.
    new_address = first["email"].replace("@", ".knowing@")
    r = await intake.patch(f"/branches/brussels/participants/{knowing}", json={"email": new_address})
    assert r.status_code == 200, r.text
    record = await intake.participants.find_one({"_id": knowing})
    assert "identity_keys" not in record and record["held_keys"] == record["duplicate_keys"]
    assert (await register(intake, mentee(email=new_address))).json()["existing_participant_id"] == knowing
    # A change that is not of names or e-mail leaves the keys as they are.
    before = (await intake.participants.find_one({"_id": other_id}))["held_keys"]
    assert (await intake.patch(f"/branches/brussels/participants/{other_id}",
                               json={"postcode": "1050"})).status_code == 200
    assert (await intake.participants.find_one({"_id": other_id}))["held_keys"] == before
    assert (await intake.delete(f"/branches/brussels/participants/{knowing}")).status_code == 204
    assert "held_keys" not in await intake.participants.find_one({"_id": knowing})


async def test_the_same_person_registered_several_times_at_once_gives_one_record(intake):
    first = mentee()
    # Same person, each request typed differently: the checks may all find nobody; the unique index decides.
    bodies = [{**first, "email": first["email"].upper()} if n % 2 else first for n in range(6)]
    answers = await asyncio.gather(*(register(intake, body) for body in bodies))
    assert sorted(r.status_code for r in answers) == [201] + [409] * 5, [r.text for r in answers]
    created = next(r.json()["participant_id"] for r in answers if r.status_code == 201)
    assert {r.json()["existing_participant_id"] for r in answers if r.status_code == 409} == {created}
    assert await intake.participants.count_documents({}) == 1
