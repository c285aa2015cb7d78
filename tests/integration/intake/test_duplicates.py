"""Intake refuses the same person twice: in the branch (naming the record), or known in another branch."""
from __future__ import annotations

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
