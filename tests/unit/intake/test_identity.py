"""Identity keys: one person however the coordinator types them; kept as keyed hashes only."""
from datetime import date

from services.intake.domain.identity import (EMAIL, NAME_AND_BIRTH_DATE, Identity, IdentityHasher, duplicate_among,
                                             normalised)

AMINA = Identity("Amina", "Haddad", "amina@example.org", date(2002, 3, 14))


def test_case_accents_and_spaces_do_not_make_another_person():
    assert normalised(" Àmina  Él Haddad ") == normalised("amina elhaddad") == "aminaelhaddad"
    hasher = IdentityHasher("k")
    same = hasher.hashes(Identity("ÂMINA", " haddad", "AMINA@example.org ", date(2002, 3, 14)))
    assert same == hasher.hashes(AMINA)
    other_day = hasher.hashes(Identity("Amina", "Haddad", "other@example.org", date(2002, 3, 15)))
    assert not set(other_day.values()) & set(hasher.hashes(AMINA).values())


def test_hashes_depend_on_the_key_and_do_not_contain_the_data():
    hashes = IdentityHasher("one").hashes(AMINA)
    assert hashes != IdentityHasher("two").hashes(AMINA)
    assert not any("amina" in h or "haddad" in h for h in hashes.values())


def test_this_branch_is_named_before_another_branch_which_stays_anonymous():
    hashes = IdentityHasher("k").hashes(AMINA)
    elsewhere = {"_id": "p-ghent", "branch": "liege", "identity_keys": [hashes[EMAIL]]}
    here = {"_id": "p-here", "branch": "brussels", "duplicate_keys": [hashes[NAME_AND_BIRTH_DATE]]}
    found = duplicate_among(hashes, "brussels", [elsewhere, here])
    assert (found.existing_participant_id, found.matched_on) == ("p-here", (NAME_AND_BIRTH_DATE,))
    found = duplicate_among(hashes, "brussels", [elsewhere])
    assert found.existing_participant_id is None and "another branch" in str(found)
    assert duplicate_among(hashes, "brussels", [here], exclude="p-here") is None


def test_the_record_holding_the_keys_is_named_before_a_knowing_duplicate_of_it():
    hashes = IdentityHasher("k").hashes(AMINA)
    knowing = {"_id": "p-0-duplicate", "branch": "brussels", "duplicate_keys": sorted(hashes.values())}
    original = {"_id": "p-1-original", "branch": "brussels", "identity_keys": sorted(hashes.values())}
    for holders in ([knowing, original], [original, knowing]):
        assert duplicate_among(hashes, "brussels", holders).existing_participant_id == "p-1-original"
