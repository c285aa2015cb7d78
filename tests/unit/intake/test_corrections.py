"""A correction is refused by the registration's own rules, and by the other role's fields."""
from tests.unit.intake.initial import rules_for
from services.intake.domain.corrections import check_correction
from services.intake.domain.applications import Language

BRUSSELS = rules_for("brussels")


def rules_of(refusals):
    return [(r.field, r.rule) for r in refusals]


def test_the_registration_rules_apply_to_the_corrected_fields_only():
    assert check_correction("mentee", {"postcode": "1050", "availability": ["mon-am"]}, "BE", BRUSSELS) == []
    assert rules_of(check_correction("mentee", {"postcode": "75001"}, "BE", BRUSSELS)) == [
        ("postcode", "address.postcode")]
    assert rules_of(check_correction("mentor", {"languages": (Language("ar", "native"),)}, "BE", BRUSSELS)) == [
        ("languages", "language.working_language")]


def test_a_role_has_only_its_own_fields():
    assert rules_of(check_correction("mentee", {"experience": (("it", 3),)}, "BE", BRUSSELS)) == [
        ("experience", "correction.not_for_role")]
    assert rules_of(check_correction("mentor", {"target_sectors": ["it"]}, "BE", BRUSSELS)) == [
        ("target_sectors", "correction.not_for_role")]
