"""Which consent withholds which message."""
from services.notify.domain.consent import withheld
from services.notify.domain.messages import message


def test_without_consent_to_be_contacted_nothing_goes_out_not_even_the_duo_news():
    assert withheld(message("duo-formed"), {"contact": False}) == "consent to be contacted withdrawn"
    assert withheld(message("duo-formed"), {"reminders": False, "follow_up": False}) is None


def test_reminders_and_follow_up_each_have_their_own_consent():
    assert withheld(message("check-in-due"), {"reminders": False}) == "reminders declined"
    assert withheld(message("outcome-follow-up"), {"follow_up": False}) == "follow-up declined"
    assert withheld(message("check-in-due"), {"follow_up": False}) is None
    assert withheld(message("outcome-follow-up"), {}) is None
