"""A participant in intake: the aggregate that decides registration, correction, consent, training, withdrawal
and erasure.

Each decision checks everything first and answers with a Change (what the record gains and loses, its history
line and the events to publish, as plain data) or refuses with RuleBroken; the participant as read is left as
it was. Dates, ids, who and when are arguments: the domain reads no clock and makes no id.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Mapping

from shared.rules import Refusal, RuleBroken
from services.intake.domain.applications import Contact, MenteeApplication, MentorApplication, Person
from services.intake.domain.branches import BranchRules
from services.intake.domain.changes import Change, Event, history_entry
from services.intake.domain.consent import check_consent_date, granted
from services.intake.domain.corrections import CONTACT_FIELDS, IDENTITY_FIELDS, check_correction, corrected_paths
from services.intake.domain.eligibility import check_mentee, check_mentor
from services.intake.domain.identity import DuplicateParticipant, Identity, duplicate_among
from services.intake.domain.names import search_keys
from services.intake.domain.profile import mentee_profile, mentor_profile

# What erasure takes from the record: everything personal and everything derived from it.
ERASED_PARTS = ("personal", "name_keys", "profile", "training", "trained", "consents", "identity_keys",
                "duplicate_keys")
CONTACT_CHANGED = "participant-contact-changed"


@dataclass(frozen=True)
class Personal:
    """Who the participant is and where they live: stays in intake (the contact part also goes to notify)."""

    first_name: str
    last_name: str
    email: str
    preferred_language: str
    birth_date: date
    postcode: str
    country: str

    def contact(self) -> Contact:
        return Contact(self.first_name, self.last_name, self.email, self.preferred_language)

    def identity(self) -> Identity:
        return Identity(self.first_name, self.last_name, self.email, self.birth_date)


@dataclass
class Participant:
    participant_id: str
    branch: str
    role: str  # mentee or mentor
    registered_on: date
    status: str = "registered"  # registered, withdrawn, erased
    training: dict[str, date] = field(default_factory=dict)  # module -> completed on
    rules_version: int | None = None  # the rules that judged the registration, and judge its training
    personal: Personal | None = None  # None once erased
    profile: dict[str, Any] = field(default_factory=dict)  # the coarse attributes, as published
    consents: dict[str, Any] = field(default_factory=dict)  # purpose -> the last choice recorded
    deliberate_duplicate: bool = False  # registered knowingly as a possible duplicate

    # ---- registering ---------------------------------------------------------------------

    @classmethod
    def register_mentee(cls, mentee_id: str, branch: str, application: MenteeApplication, contact: Contact,
                        support_wanted: list[str], rules: BranchRules, registered_on: date) -> Participant:
        """An eligible mentee, not yet checked against the people already known (see `registration`)."""
        _refuse(check_mentee(application, rules, registered_on))
        return cls._new(mentee_id, branch, "mentee", application, contact, rules, registered_on,
                        mentee_profile(mentee_id, application, support_wanted, registered_on))

    @classmethod
    def register_mentor(cls, mentor_id: str, branch: str, application: MentorApplication, contact: Contact,
                        support_offered: list[str], rules: BranchRules, registered_on: date) -> Participant:
        _refuse(check_mentor(application, rules, registered_on))
        return cls._new(mentor_id, branch, "mentor", application, contact, rules, registered_on,
                        mentor_profile(mentor_id, application, support_offered, rules.max_active_duos, registered_on))

    @classmethod
    def _new(cls, participant_id: str, branch: str, role: str, person: Person, contact: Contact, rules: BranchRules,
             registered_on: date, profile: dict[str, Any]) -> Participant:
        personal = Personal(contact.first_name, contact.last_name, contact.email, contact.preferred_language,
                            person.birth_date, person.postcode, person.country)
        return cls(participant_id, branch, role, registered_on, rules_version=rules.version, personal=personal,
                   profile=profile)

    def registration(self, hashes: dict[str, str], holders: list[dict[str, Any]], deliberate: bool, by: str,
                     at: datetime) -> Change:
        """The whole new record and its two events. Refused with DuplicateParticipant when someone holds one of
        the person's identity keys, unless registered deliberately as such: then the keys are kept outside the
        unique index (`duplicate_keys`), and the record and its history say so."""
        duplicate = self.duplicate(hashes, holders)
        if duplicate and not deliberate:
            raise duplicate
        personal = self._personal()
        record = {"branch": self.branch, "role": self.role, "status": self.status,
                  "registered_on": self.registered_on, "training": {}, "trained": False,
                  "rules_version": self.rules_version,
                  "personal": {"first_name": personal.first_name, "last_name": personal.last_name,
                               "email": personal.email, "preferred_language": personal.preferred_language,
                               "birth_date": personal.birth_date, "postcode": personal.postcode,
                               "country": personal.country},
                  "name_keys": search_keys(personal.first_name, personal.last_name), "profile": self.profile,
                  _keys_field(bool(duplicate)): sorted(hashes.values()), "deliberate_duplicate": bool(duplicate)}
        registered = "mentee-registered" if self.role == "mentee" else "mentor-registered"
        return Change(record, history_entry("registration", ["deliberate_duplicate"] if duplicate else [], by, at),
                      events=(Event(registered, self.profile), self._contact_event(personal.contact())))

    def identity(self) -> Identity:
        """Who the person is, for finding them twice (their identity keys)."""
        return self._personal().identity()

    def duplicate(self, hashes: dict[str, str], holders: list[dict[str, Any]]) -> DuplicateParticipant | None:
        """Someone else holding one of these identity keys (see identity.duplicate_among)."""
        return duplicate_among(hashes, self.branch, holders, exclude=self.participant_id)

    # ---- correcting ----------------------------------------------------------------------

    def correct(self, changes: Mapping[str, Any], rules: BranchRules, by: str, at: datetime) -> Change | None:
        """Contact details or profile, checked by the registration's rules; None when nothing differs.

        A new name or e-mail gives the person new identity keys: the Change then names the identity, and
        `rekeyed` completes it once the keys' holders are known."""
        personal = self._personal()
        _refuse(check_correction(self.role, changes, personal.country, rules))
        written = {path: value for name, new in changes.items()
                   for path, value in corrected_paths(name, new, personal.country).items()}
        changed = sorted({name for name, new in changes.items()
                          if any(self._at(path) != value
                                 for path, value in corrected_paths(name, new, personal.country).items())})
        if not changed:
            return None
        after = replace(personal, **{path.split(".")[1]: value for path, value in written.items()
                                     if path.startswith("personal.")})
        profile = {**self.profile, **{path.split(".")[1]: value for path, value in written.items()
                                      if path.startswith("profile.")}}
        events = []
        if set(changed) & set(CONTACT_FIELDS):
            events.append(self._contact_event(after.contact()))
        identity = None
        if set(changed) & IDENTITY_FIELDS:
            identity = after.identity()
            written["name_keys"] = search_keys(after.first_name, after.last_name)  # name search follows
        profile_changed = [name for name in changed if name not in CONTACT_FIELDS]
        if profile_changed:
            events.append(self._profile_event(profile_changed, profile))
        return Change(written, history_entry("correction", changed, by, at), events=tuple(events), identity=identity)

    def rekeyed(self, correction: Change, hashes: dict[str, str], holders: list[dict[str, Any]]) -> Change:
        """The correction with the new identity keys; refused with DuplicateParticipant when someone else holds
        one, unless this record was accepted knowingly as a duplicate (it stays so)."""
        duplicate = self.duplicate(hashes, holders)
        if duplicate and not self.deliberate_duplicate:
            raise duplicate
        return correction.with_written({_keys_field(self.deliberate_duplicate): sorted(hashes.values())})

    # ---- consent, training, withdrawal ---------------------------------------------------

    def set_consent(self, purpose: str, granted_: bool, on: date | None, source: str, today: date, by: str,
                    at: datetime) -> Change | None:
        """A PUT: the same choice again is None (nothing changes, nothing is published)."""
        self._personal()
        on = on or today
        _refuse(check_consent_date(on, self.registered_on, today))
        if granted(self.consents, purpose) == granted_:
            return None
        event = Event("participant-consent-changed", {"participant_id": self.participant_id, "purpose": purpose,
                                                      "granted": granted_, "recorded_on": on, "source": source})
        return Change({f"consents.{purpose}": {"granted": granted_, "on": on, "source": source, "by": by}},
                      history_entry("consent", [f"consents.{purpose}"], by, at), events=(event,))

    def trained(self, rules: BranchRules) -> bool:
        return self.role == "mentor" and set(rules.training_modules) <= set(self.training)

    def record_training(self, module: str, completed_on: date, today: date, rules: BranchRules, by: str,
                        at: datetime) -> Change:
        """One completed module; the module completing the initial training also publishes mentor-trained."""
        self._personal()
        if self.role != "mentor":
            raise RuleBroken.single("training.mentors_only", "Only mentors follow the initial training.")
        self._require_registered()
        if module not in rules.training_modules:
            raise RuleBroken.single("training.unknown_module",
                                    f"{module!r} is not a module of the initial training; the modules are: "
                                    f"{', '.join(rules.training_modules)}.", "module")
        if module in self.training:
            raise RuleBroken.single("training.already_recorded",
                                    f"Module {module!r} was already recorded on {self.training[module]}.", "module")
        if completed_on > today:
            raise RuleBroken.single("training.in_future", "A module cannot be completed in the future.",
                                    "completed_on")
        written: dict[str, Any] = {f"training.{module}": completed_on}
        events = []
        after = replace(self, training={**self.training, module: completed_on})
        if not self.trained(rules) and after.trained(rules):
            events.append(Event("mentor-trained", {"mentor_id": self.participant_id,
                                                   "completed_on": max(after.training.values()),
                                                   "modules": len(rules.training_modules)}))
            written["trained"] = True
        return Change(written, history_entry("training", [f"training.{module}"], by, at), events=tuple(events))

    def withdraw(self, on: date, today: date, by: str, at: datetime) -> Change:
        self._personal()
        self._require_registered()
        if on < self.registered_on or on > today:
            raise RuleBroken.single("withdrawal.date",
                                    "The withdrawal date must be between registration and today.", "withdrawn_on")
        event = Event("participant-withdrawn", {"participant_id": self.participant_id, "role": self.role,
                                                "withdrawn_on": on})
        return Change({"status": "withdrawn", "withdrawn_on": on},
                      history_entry("withdrawal", ["status", "withdrawn_on"], by, at), events=(event,))

    # ---- erasure -------------------------------------------------------------------------

    def erase(self, today: date, by: str, at: datetime) -> Change | None:
        """Right to erasure: the personal data goes, every service is told to forget, the contact is
        tombstoned; None when already erased. The history stays: it never held a value."""
        if self.status == "erased":
            return None
        erased = Event("participant-erased", {"participant_id": self.participant_id, "role": self.role})
        return Change({"status": "erased", "erased_on": today},
                      history_entry("erasure", ["personal", "profile", "training", "consents"], by, at),
                      removed=ERASED_PARTS, events=(erased, Event(CONTACT_CHANGED, None)))

    # ---- helpers -------------------------------------------------------------------------

    def _personal(self) -> Personal:
        """The personal data, which an erased participant no longer has: nothing about them can change."""
        if self.status == "erased" or self.personal is None:
            raise RuleBroken.single("participant.erased", "This participant's data was erased.")
        return self.personal

    def _require_registered(self) -> None:
        if self.status != "registered":
            raise RuleBroken.single("participant.not_registered", f"This {self.role} has {self.status}.")

    def _at(self, path: str) -> Any:
        """The value now at a dotted path of the record (personal or profile)."""
        part, name = path.split(".")
        return getattr(self.personal, name) if part == "personal" else self.profile.get(name)

    def _contact_event(self, contact: Contact) -> Event:
        return Event(CONTACT_CHANGED, {"participant_id": self.participant_id, "role": self.role,
                                       "display_name": contact.first_name, "email": contact.email,
                                       "preferred_language": contact.preferred_language})

    def _profile_event(self, changed: list[str], profile: dict[str, Any]) -> Event:
        own = ("sectors", "support_wanted") if self.role == "mentee" else ("experience", "support_offered")
        return Event("participant-profile-changed", {
            "participant_id": self.participant_id, "role": self.role, "changed": changed,
            **{name: profile.get(name) for name in ("languages", "postcode_area", "availability", *own)}})


def _keys_field(deliberate_duplicate: bool) -> str:
    """A deliberate duplicate keeps its identity keys outside the unique index."""
    return "duplicate_keys" if deliberate_duplicate else "identity_keys"


def _refuse(refusals: list[Refusal]) -> None:
    if refusals:
        raise RuleBroken(*refusals)
