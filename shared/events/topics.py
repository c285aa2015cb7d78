"""Kafka topics: one per aggregate stream, keyed by the aggregate's id so its events stay in order."""
PARTICIPANTS = "duo.participants"
# Compacted, keyed by participant id: erasure writes a tombstone so the contact disappears.
PARTICIPANT_CONTACTS = "duo.participant-contacts"
DUOS = "duo.duos"
DUO_ACTIVITY = "duo.duo-activity"
NOTIFICATIONS = "duo.notifications"
DEAD_LETTERS = "duo.dead-letters"

COMPACTED = frozenset({PARTICIPANT_CONTACTS})
ALL = (PARTICIPANTS, PARTICIPANT_CONTACTS, DUOS, DUO_ACTIVITY, NOTIFICATIONS, DEAD_LETTERS)
