"""Names as coordinators search them: no case, no accents, from any word on."""
from services.intake.domain.names import folded, search_keys


def test_folding_drops_case_accents_and_extra_spaces():
    assert folded("  Zoë   Van der BERG ") == "zoe van der berg"
    assert folded("Émile Ñúñez-Łopez") == "emile nunez-łopez"  # Ł is a letter of its own, not an accented L


def test_every_word_of_the_name_starts_a_key():
    assert search_keys("Amina", "Haddad") == ["amina haddad", "haddad"]
    assert search_keys("Jean Luc", "De Smet") == ["jean luc de smet", "luc de smet", "de smet", "smet"]
