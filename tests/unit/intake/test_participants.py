"""The Participant aggregate: each decision checks everything, then answers with what the record gains and loses,
its history line and the events to publish, as plain data; a refusal gives its reason and changes nothing."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from services.intake.domain.applications import Contact, Language, MenteeApplication, MentorApplication
from services.intake.domain.branches import DEFAULT_TRAINING_MODULES
from services.intake.domain.changes import Event
from services.intake.domain.identity import DuplicateParticipant, IdentityHasher
from services.intake.domain.participants import Participant
from shared.rules import RuleBroken
from tests.unit.intake.initial import rules_for

TODAY = date(2026, 11, 25)
AT = datetime(2026, 11, 25, 10, 30, tzinfo=timezone.utc)
RULES = rules_for("brussels")
HASHER = IdentityHasher("k")
AMINA = Contact("Amina", "Haddad", "amina@example.org", "fr")
MENTEE = MenteeApplication(
    birth_date=date(2002, 3, 14), country="BE", postcode="1000", languages=(Language("fr", "B1"),),
    availability=frozenset({"wed-pm", "mon-eve"}), consent=True, target_sectors=("logistics",),
    employment_service_registered=True, migration_background="self", right_to_work=True)
MENTOR = MentorApplication(
    birth_date=date(1960, 5, 1), country="BE", postcode="1050", languages=(Language("fr", "native"),),
    availability=frozenset({"mon-eve"}), consent=True, experience=(("logistics", 30),), volunteer=True)


def a_mentee() -> Participant:
    return Participant.register_mentee("e1", "brussels", MENTEE, AMINA, ["cv"], RULES, date(2026, 10, 1))


def a_mentor(**state) -> Participant:
    mentor = Participant.register_mentor("m1", "brussels", MENTOR, replace(AMINA, first_name="Marc"), [], RULES,
                                         date(2026, 10, 1))
    return replace(mentor, **state)


def refused(decide) -> str:
    with pytest.raises(RuleBroken) as refusal:
        decide()
    return refusal.value.refusals[0].rule


def test_a_registration_is_the_whole_record_and_its_two_events():
    mentee = a_mentee()
    hashes = HASHER.hashes(mentee.identity())
    registration = mentee.registration(hashes, [], False, "coordinator", AT)
    record = registration.written
    assert (record["status"], record["registered_on"], record["rules_version"]) == ("registered", date(2026, 10, 1),
                                                                                  RULES.version)
    assert record["identity_keys"] == sorted(hashes.values()) and "duplicate_keys" not in record
    assert record["name_keys"] == ["amina haddad", "haddad"] and record["personal"]["email"] == AMINA.email
    assert [e.type for e in registration.events] == ["mentee-registered", "participant-contact-changed"]
    profile = registration.events[0].data
    assert profile == record["profile"] and profile["postcode_area"] == "BE-10"
    assert profile["availability"] == ["mon-eve", "wed-pm"] and profile["support_wanted"] == ["cv"]
    assert not {"Amina", "Haddad", AMINA.email, "1000"} & {str(v) for v in profile.values()}
    assert registration.entry == {"at": "2026-11-25T10:30:00+00:00", "by": "coordinator", "change": "registration",
                                  "fields": []}


def test_an_ineligible_person_is_refused_with_every_reason():
    with pytest.raises(RuleBroken) as refusal:
        Participant.register_mentor("m1", "brussels", replace(MENTOR, volunteer=False, experience=()), AMINA, [],
                                    RULES, TODAY)
    assert [r.rule for r in refusal.value.refusals] == ["mentor.volunteer", "mentor.experience"]


def test_a_known_person_is_refused_unless_registered_deliberately_and_then_marked_so():
    mentee = a_mentee()
    hashes = HASHER.hashes(mentee.identity())
    known = [{"_id": "e0", "branch": "brussels", "identity_keys": sorted(hashes.values())}]
    with pytest.raises(DuplicateParticipant) as duplicate:
        mentee.registration(hashes, known, False, "coordinator", AT)
    assert duplicate.value.existing_participant_id == "e0"
    registration = mentee.registration(hashes, known, True, "coordinator", AT)
    assert registration.written["duplicate_keys"] == sorted(hashes.values())
    assert "identity_keys" not in registration.written and registration.written["deliberate_duplicate"]
    assert registration.entry["fields"] == ["deliberate_duplicate"]


def test_a_correction_writes_only_what_differs_and_publishes_the_contact_then_the_profile():
    mentee = a_mentee()
    assert mentee.correct({"availability": ["wed-pm", "mon-eve"], "email": AMINA.email}, RULES, "c", AT) is None
    change = mentee.correct({"email": "new@example.org", "postcode": "1050", "availability": ["mon-eve"]}, RULES,
                            "c", AT)
    assert change.written["personal.email"] == "new@example.org"
    assert change.written["profile.postcode_area"] == "BE-10" and change.written["name_keys"] == [
        "amina haddad", "haddad"]
    assert change.entry["fields"] == ["availability", "email", "postcode"]
    contact, profile = change.events
    assert (contact.type, contact.data["email"]) == ("participant-contact-changed", "new@example.org")
    assert profile.type == "participant-profile-changed" and profile.data["changed"] == ["availability", "postcode"]
    assert profile.data["availability"] == ["mon-eve"] and profile.data["sectors"] == ["logistics"]
    assert "experience" not in profile.data  # a mentor's field: the event leaves it out
    assert change.identity is not None and change.identity.email == "new@example.org"


def test_a_corrected_identity_is_rekeyed_or_refused_when_someone_else_holds_it():
    mentee = a_mentee()
    change = mentee.correct({"last_name": "Dubois"}, RULES, "c", AT)
    hashes = HASHER.hashes(change.identity)
    assert mentee.rekeyed(change, hashes, []).written["identity_keys"] == sorted(hashes.values())
    someone = [{"_id": "e9", "branch": "brussels", "identity_keys": [hashes["email"]]}]
    with pytest.raises(DuplicateParticipant):
        mentee.rekeyed(change, hashes, someone)
    knowing = replace(mentee, deliberate_duplicate=True)
    assert knowing.rekeyed(change, hashes, someone).written["duplicate_keys"] == sorted(hashes.values())


def test_a_correction_is_refused_by_the_registration_rules_and_the_role():
    assert refused(lambda: a_mentee().correct({"postcode": "75001"}, RULES, "c", AT)) == "address.postcode"
    assert refused(lambda: a_mentee().correct({"experience": (("it", 3),)}, RULES, "c", AT)) == (
        "correction.not_for_role")


def test_training_completes_with_the_last_of_eight_modules():
    modules = DEFAULT_TRAINING_MODULES
    first = a_mentor().record_training(modules[0], TODAY, TODAY, RULES, "c", AT)
    assert first.written == {f"training.{modules[0]}": TODAY} and first.events == ()
    almost = a_mentor(training={m: date(2026, 11, i + 1) for i, m in enumerate(modules[:-1])})
    last = almost.record_training(modules[-1], date(2026, 11, 20), TODAY, RULES, "c", AT)
    assert last.written == {f"training.{modules[-1]}": date(2026, 11, 20), "trained": True}
    assert last.events == (Event("mentor-trained", {"mentor_id": "m1", "completed_on": date(2026, 11, 20),
                                                    "modules": len(modules)}),)
    assert last.entry["change"] == "training" and last.entry["fields"] == [f"training.{modules[-1]}"]


@pytest.mark.parametrize("module, on, rule", [
    ("juggling", TODAY, "training.unknown_module"),
    ("active-listening", date(2026, 11, 26), "training.in_future"),
])
def test_training_refusals(module, on, rule):
    assert refused(lambda: a_mentor().record_training(module, on, TODAY, RULES, "c", AT)) == rule


def test_a_module_is_recorded_once_and_mentees_have_no_training():
    mentor = a_mentor(training={"active-listening": TODAY})
    assert refused(lambda: mentor.record_training("active-listening", TODAY, TODAY, RULES, "c", AT)) == (
        "training.already_recorded")
    assert refused(lambda: a_mentee().record_training("active-listening", TODAY, TODAY, RULES, "c", AT)) == (
        "training.mentors_only")


def test_withdrawal_once_and_within_dates():
    assert refused(lambda: a_mentor().withdraw(date(2026, 9, 30), TODAY, "c", AT)) == "withdrawal.date"
    change = a_mentor().withdraw(TODAY, TODAY, "c", AT)
    assert change.written == {"status": "withdrawn", "withdrawn_on": TODAY}
    assert change.events == (Event("participant-withdrawn", {"participant_id": "m1", "role": "mentor",
                                                             "withdrawn_on": TODAY}),)
    withdrawn = a_mentor(status="withdrawn")
    assert refused(lambda: withdrawn.withdraw(TODAY, TODAY, "c", AT)) == "participant.not_registered"
    assert refused(lambda: withdrawn.record_training("active-listening", TODAY, TODAY, RULES, "c", AT)) == (
        "participant.not_registered")


def test_consent_is_a_put_dated_between_registration_and_today():
    mentee = a_mentee()
    assert mentee.set_consent("reminders", True, None, "phone", TODAY, "c", AT) is None  # granted at registration
    change = mentee.set_consent("reminders", False, None, "phone", TODAY, "c", AT)
    assert change.written == {"consents.reminders": {"granted": False, "on": TODAY, "source": "phone", "by": "c"}}
    assert change.events[0].data == {"participant_id": "e1", "purpose": "reminders", "granted": False,
                                     "recorded_on": TODAY, "source": "phone"}
    assert refused(lambda: mentee.set_consent("reminders", False, date(2026, 9, 1), "phone", TODAY, "c", AT)) == (
        "consent.date")
    withdrawn = replace(mentee, consents={"reminders": {"granted": False}})
    assert withdrawn.set_consent("reminders", False, None, "phone", TODAY, "c", AT) is None


def test_erasure_takes_the_personal_data_publishes_and_tombstones_once():
    change = a_mentor().erase(TODAY, "c", AT)
    assert change.written == {"status": "erased", "erased_on": TODAY}
    assert {"personal", "profile", "training", "consents", "identity_keys", "duplicate_keys"} <= set(change.removed)
    assert change.events == (Event("participant-erased", {"participant_id": "m1", "role": "mentor"}),
                             Event("participant-contact-changed", None))
    erased = a_mentor(status="erased", personal=None, profile={})
    assert erased.erase(TODAY, "c", AT) is None
    for decide in (lambda: erased.correct({"postcode": "1050"}, RULES, "c", AT),
                   lambda: erased.set_consent("contact", False, None, "phone", TODAY, "c", AT),
                   lambda: erased.record_training("active-listening", TODAY, TODAY, RULES, "c", AT),
                   lambda: erased.withdraw(TODAY, TODAY, "c", AT)):
        assert refused(decide) == "participant.erased"
