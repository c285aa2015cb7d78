"""What a coordinator records about a mentee or mentor, and a participant's life in intake."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.rules import RuleBroken
from services.intake.domain.branches import BranchRules


@dataclass(frozen=True)
class Language:
    code: str
    level: str  # CEFR A1..C2 or native


@dataclass(frozen=True)
class Person:
    """What mentees and mentors share; the name and e-mail never leave intake except to notify."""

    birth_date: date
    country: str
    postcode: str
    languages: tuple[Language, ...]
    availability: frozenset[str]
    consent: bool


@dataclass(frozen=True)
class MenteeApplication(Person):
    target_sectors: tuple[str, ...] = ()
    education_level: str = "secondary"
    employment_service_registered: bool = False
    migration_background: str = "none"  # self, parent, grandparent or none: an eligibility fact only
    right_to_work: bool = False


@dataclass(frozen=True)
class MentorApplication(Person):
    experience: tuple[tuple[str, int], ...] = ()  # (sector, years)
    volunteer: bool = False


@dataclass
class Participant:
    participant_id: str
    branch: str
    role: str  # mentee or mentor
    registered_on: date
    status: str = "registered"  # registered, withdrawn
    training: dict[str, date] = field(default_factory=dict)  # module -> completed on

    def trained(self, rules: BranchRules) -> bool:
        return self.role == "mentor" and set(rules.training_modules) <= set(self.training)

    def record_training(self, module: str, completed_on: date, today: date, rules: BranchRules) -> bool:
        """Record one completed module; True when this completes the initial training."""
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
        was_trained = self.trained(rules)
        self.training[module] = completed_on
        return not was_trained and self.trained(rules)

    def withdraw(self, on: date, today: date) -> None:
        self._require_registered()
        if on < self.registered_on or on > today:
            raise RuleBroken.single("withdrawal.date",
                                    "The withdrawal date must be between registration and today.", "withdrawn_on")
        self.status = "withdrawn"

    def _require_registered(self) -> None:
        if self.status != "registered":
            raise RuleBroken.single("participant.not_registered", f"This {self.role} has {self.status}.")
