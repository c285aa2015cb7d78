"""Kafka topics: one per aggregate stream, keyed by the aggregate's id so its events stay in order."""
PARTICIPANTS = "duo.participants"
# Compacted, keyed by participant id: erasure writes a tombstone so the contact disappears.
PARTICIPANT_CONTACTS = "duo.participant-contacts"
DUOS = "duo.duos"
DUO_ACTIVITY = "duo.duo-activity"
NOTIFICATIONS = "duo.notifications"
# Each branch's opening, rule versions and closing, keyed by branch id: every service learns branches here.
BRANCHES = "duo.branches"
DEAD_LETTERS = "duo.dead-letters"

COMPACTED = frozenset({PARTICIPANT_CONTACTS})
ALL = (PARTICIPANTS, PARTICIPANT_CONTACTS, DUOS, DUO_ACTIVITY, NOTIFICATIONS, BRANCHES, DEAD_LETTERS)
