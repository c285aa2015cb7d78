"""A decided Change as MongoDB stores it: dates as ISO days, every identity key also in `held_keys` (the one array
the duplicate check reads), and a record read back as the Participant it was."""
from __future__ import annotations

from datetime import date, datetime, timezone

from services.intake.adapters.participant_records import document_of, participant_of, update_of
from services.intake.adapters.participants import applied
from services.intake.domain.applications import Contact, Language, MentorApplication
from services.intake.domain.identity import IdentityHasher
from services.intake.domain.participants import Participant
from tests.unit.intake.initial import rules_for

AT = datetime(2026, 11, 25, 10, 30, tzinfo=timezone.utc)
TODAY = date(2026, 11, 25)
RULES = rules_for("brussels")
MENTOR = MentorApplication(
    birth_date=date(1960, 5, 1), country="BE", postcode="1050", languages=(Language("fr", "native"),),
    availability=frozenset({"mon-eve"}), consent=True, experience=(("logistics", 30),), volunteer=True)


def registered() -> tuple[Participant, dict]:
    mentor = Participant.register_mentor("m1", "brussels", MENTOR, Contact("Marc", "Peeters", "m@example.org", "nl"),
                                         [], RULES, date(2026, 10, 1))
    hashes = IdentityHasher("k").hashes(mentor.identity())
    document = document_of("m1", mentor.registration(hashes, [], False, "c", AT))
    return mentor, {**document, "version": 1}


def test_the_registered_record_holds_its_keys_twice_and_reads_back_as_the_participant():
    mentor, document = registered()
    assert document["held_keys"] == document["identity_keys"] and len(document["held_keys"]) == 2
    assert (document["_id"], document["registered_on"], document["personal"]["birth_date"]) == (
        "m1", "2026-10-01", "1960-05-01")
    assert document["history"] == [{"at": "2026-11-25T10:30:00+00:00", "by": "c", "change": "registration",
                                    "fields": []}]
    assert participant_of(document) == mentor


def test_a_change_is_set_pushed_and_unset_and_the_record_it_leaves_reads_back():
    mentor, document = registered()
    update = update_of(mentor.record_training(RULES.training_modules[0], TODAY, TODAY, RULES, "c", AT))
    assert update == {"$set": {f"training.{RULES.training_modules[0]}": "2026-11-25"},
                      "$push": {"history": {"at": "2026-11-25T10:30:00+00:00", "by": "c", "change": "training",
                                            "fields": [f"training.{RULES.training_modules[0]}"]}}}
    assert participant_of(applied(document, update)).training == {RULES.training_modules[0]: TODAY}
    correction = mentor.correct({"email": "marc@example.org"}, RULES, "c", AT)
    keyed = mentor.rekeyed(correction, {"email": "e2", "name_and_birth_date": "n2"}, [])
    assert update_of(keyed)["$set"]["held_keys"] == update_of(keyed)["$set"]["identity_keys"] == ["e2", "n2"]
    erasure = update_of(mentor.erase(TODAY, "c", AT))
    assert erasure["$set"] == {"status": "erased", "erased_on": "2026-11-25"}
    assert {"personal", "profile", "identity_keys", "duplicate_keys", "held_keys"} <= set(erasure["$unset"])
    erased = participant_of(applied(document, erasure))
    assert (erased.status, erased.personal, erased.profile) == ("erased", None, {})
