"""Who a registration is, for finding the same person twice: normalised keys, kept only as keyed hashes.

Two keys per person: the e-mail address, and first name + last name + birth date. Comparison
ignores case, accents and spaces ("Amina  HADDAD" is "amina haddad" is "Àmina Haddad").
Intake stores the HMAC of each key, not the key, so the unique index that refuses a duplicate
under concurrency holds no second copy of anyone's name or address; without the secret the
hashes cannot be turned back into a name or checked against a guessed one.
"""
from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date

EMAIL, NAME_AND_BIRTH_DATE = "email", "name_and_birth_date"


def normalised(text: str) -> str:
    """Case-, accent- and space-insensitive form of a name or address."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())


@dataclass(frozen=True)
class Identity:
    first_name: str
    last_name: str
    email: str
    birth_date: date

    def keys(self) -> dict[str, str]:
        return {EMAIL: normalised(self.email),
                NAME_AND_BIRTH_DATE: "|".join((normalised(self.first_name), normalised(self.last_name),
                                               self.birth_date.isoformat()))}


class IdentityHasher:
    """Keyed hashes of a person's identity keys; the same person gives the same hashes in every branch."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def hashes(self, identity: Identity) -> dict[str, str]:
        """Kind of key -> its hash."""
        return {kind: hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
                for kind, value in identity.keys().items()}


class DuplicateParticipant(Exception):
    """The person is already known: in this branch (with the record's id) or in another one (nothing more)."""

    def __init__(self, matched_on: tuple[str, ...], existing_participant_id: str | None) -> None:
        self.matched_on, self.existing_participant_id = matched_on, existing_participant_id
        where = (f"as participant {existing_participant_id} in this branch" if existing_participant_id
                 else "in another branch")
        super().__init__(f"A person with the same {' and the same '.join(_LABELS[k] for k in matched_on)} "
                         f"is already known {where}.")


_LABELS = {EMAIL: "e-mail address", NAME_AND_BIRTH_DATE: "first name, last name and birth date"}


def duplicate_among(hashes: dict[str, str], branch: str, holders: list[dict],
                    exclude: str | None = None) -> DuplicateParticipant | None:
    """The first record holding one of `hashes`, this branch's before another branch's, and a record holding
    them as its own (in the unique index) before one registered knowingly as a duplicate of it; None if
    nobody does."""
    def matched(holder: dict) -> tuple[str, ...]:
        held = set(holder.get("identity_keys") or ()) | set(holder.get("duplicate_keys") or ())
        return tuple(kind for kind, value in hashes.items() if value in held)

    others = sorted((h for h in holders if h["_id"] != exclude and matched(h)),
                    key=lambda h: not set(h.get("identity_keys") or ()) & set(hashes.values()))
    for holder in others:
        if holder["branch"] == branch:
            return DuplicateParticipant(matched(holder), holder["_id"])
    return DuplicateParticipant(matched(others[0]), None) if others else None
