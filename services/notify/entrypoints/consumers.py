"""What notify does with the events it hears: keep contacts and consents, and say what each event calls for."""
from __future__ import annotations

from shared.events import Envelope, topics
from shared.events.followup import CheckInDue, DuoAtRisk, DuoEnded, FirstMeetingUpcoming, OutcomeFollowUpDue
from shared.events.intake import (MenteeRegistered, MentorRegistered, MentorTrained, ParticipantConsentChanged,
                                  ParticipantContactChanged, ParticipantErased, ParticipantReminderConsentChanged)
from shared.events.matching import DuoFormed, ProposalRoundCompleted
from shared.messaging.consumer import EventConsumer
from services.notify.adapters.store import NotifyStore
from services.notify.domain.links import Links
from services.notify.use_cases import Notifications


class Notifier:
    def __init__(self, notifications: Notifications, store: NotifyStore, links: Links) -> None:
        self.notifications, self.store, self.links = notifications, store, links

    def subscribe(self, consumer: EventConsumer) -> None:
        consumer.subscribe(topics.PARTICIPANT_CONTACTS, {"participant-contact-changed": self.on_contact},
                           on_tombstone=self.store.forget_contact)
        consumer.subscribe(topics.PARTICIPANTS, {
            "mentee-registered": self.on_mentee_registered, "mentor-registered": self.on_mentor_registered,
            "mentor-trained": self.on_mentor_trained, "participant-erased": self.on_erased,
            "participant-reminder-consent-changed": self.on_reminder_consent,
            "participant-consent-changed": self.on_consent})
        consumer.subscribe(topics.DUOS, {
            "duo-formed": self.on_duo_formed, "first-meeting-upcoming": self.on_first_meeting,
            "check-in-due": self.on_check_in_due, "duo-ended": self.on_duo_ended,
            "outcome-follow-up-due": self.on_follow_up_due, "duo-at-risk": self.on_duo_at_risk,
            "proposal-round-completed": self.on_round_completed})

    # -- people and their choices ---------------------------------------------------------

    async def on_contact(self, envelope: Envelope, contact: ParticipantContactChanged) -> None:
        await self.notifications.contact_arrived(contact.participant_id, envelope.branch, {
            "role": contact.role, "display_name": contact.display_name, "email": str(contact.email),
            "language": contact.preferred_language})

    async def on_consent(self, envelope: Envelope, consent: ParticipantConsentChanged) -> None:
        await self.notifications.consent_changed(consent.participant_id, envelope.branch, consent.purpose,
                                                 consent.granted)

    async def on_reminder_consent(self, envelope: Envelope, consent: ParticipantReminderConsentChanged) -> None:
        """The older event, still in the log: a reminders consent."""
        await self.notifications.consent_changed(consent.participant_id, envelope.branch, "reminders",
                                                 consent.reminders)

    async def on_erased(self, envelope: Envelope, erased: ParticipantErased) -> None:
        await self.store.forget_participant(erased.participant_id)

    # -- messages to participants ---------------------------------------------------------

    async def on_mentee_registered(self, envelope: Envelope, mentee: MenteeRegistered) -> None:
        await self.notifications.to_participant(str(envelope.id), envelope.branch, mentee.mentee_id,
                                                "registration-received", {"role": "mentee"}, at=envelope.time)

    async def on_mentor_registered(self, envelope: Envelope, mentor: MentorRegistered) -> None:
        await self.notifications.to_participant(str(envelope.id), envelope.branch, mentor.mentor_id,
                                                "registration-received", {"role": "mentor"}, at=envelope.time)

    async def on_mentor_trained(self, envelope: Envelope, trained: MentorTrained) -> None:
        await self.notifications.to_participant(str(envelope.id), envelope.branch, trained.mentor_id,
                                                "mentor-trained", {}, at=envelope.time)

    async def on_duo_formed(self, envelope: Envelope, duo: DuoFormed) -> None:
        await self._to_both(envelope, duo, "duo-formed", lambda role: {
            "role": role, "started_on": duo.started_on.isoformat(),
            "duo_url": self.links.duo(envelope.branch, duo.duo_id)})

    async def on_first_meeting(self, envelope: Envelope, upcoming: FirstMeetingUpcoming) -> None:
        await self._to_both(envelope, upcoming, "first-meeting-reminder", lambda role: {
            "meeting_on": upcoming.meeting_on.isoformat(), "duo_url": self.links.duo(envelope.branch, upcoming.duo_id)})

    async def on_check_in_due(self, envelope: Envelope, due: CheckInDue) -> None:
        await self._to_both(envelope, due, "check-in-due", lambda role: {
            "month": due.month, "answer_url": self.links.check_in(envelope.branch, due.duo_id, due.month)})

    async def on_duo_ended(self, envelope: Envelope, ended: DuoEnded) -> None:
        if ended.completed:  # an early end is the coordinator's conversation, not a form letter
            await self._to_both(envelope, ended, "duo-completed", lambda role: {"role": role})

    async def on_follow_up_due(self, envelope: Envelope, due: OutcomeFollowUpDue) -> None:
        await self._to_both(envelope, due, "outcome-follow-up", lambda role: {
            "role": role, "answer_url": self.links.outcome(envelope.branch, due.duo_id)})

    async def _to_both(self, envelope: Envelope, duo, name: str, facts) -> None:
        for role, participant_id in (("mentee", duo.mentee_id), ("mentor", duo.mentor_id)):
            await self.notifications.to_participant(str(envelope.id), envelope.branch, participant_id, name,
                                                    facts(role), duo.duo_id, at=envelope.time)

    # -- messages to coordinators ---------------------------------------------------------

    async def on_duo_at_risk(self, envelope: Envelope, risk: DuoAtRisk) -> None:
        last = risk.last_session_on.isoformat() if risk.last_session_on else None
        await self.notifications.to_coordinators(str(envelope.id), envelope.branch, "duo-at-risk", {
            "days_without_session": risk.days_without_session, "last_session_on": last,
            "duo_url": self.links.duo(envelope.branch, risk.duo_id)}, risk.duo_id, at=envelope.time)

    async def on_round_completed(self, envelope: Envelope, round_: ProposalRoundCompleted) -> None:
        await self.notifications.to_coordinators(str(envelope.id), envelope.branch, "proposal-round-ready", {
            "proposals": round_.proposals, "review_url": self.links.proposals(envelope.branch)}, at=envelope.time)
