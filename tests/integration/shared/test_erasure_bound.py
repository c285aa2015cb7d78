"""An erased person's contact records are gone from the log within the erasure bound (shortened here).

Contact records and the erasure's tombstone go out through the suite's own publishing code (the
outbox entries and publishers intake's relay uses), the partitions are rolled by intake's own
roller, and after the bound a new subscriber reads the topic from offset 0, as a CRM would.
"""
from __future__ import annotations

import asyncio
import time
import uuid

from shared.events import new_envelope, topics
from shared.events.intake import ParticipantContactChanged
from shared.messaging import outbox
from shared.messaging.broker import make_broker
from shared.messaging.publishing import EventPublishers
from shared.messaging.retention import Retention
from shared.messaging.segment_roll import ContactSegmentRoller
from shared.messaging.topics_admin import ensure_topics
from shared.settings import ServiceSettings
from tests.kafka_reader import read_topics

BOUND_SECONDS = 30  # B/4 = 7.5 s segments and rolls, B/2 = 15 s compaction lag, 15 s for the cleaner


def contact(participant_id: str, name: str, email: str) -> dict:
    payload = ParticipantContactChanged(participant_id=participant_id, role="mentee", display_name=name,
                                        email=email, preferred_language="fr")
    return outbox.entry(new_envelope(payload, branch="brussels", subject=participant_id))


async def test_erased_contacts_are_gone_from_offset_zero_within_the_bound(kafka_bootstrap, prefix):
    settings = ServiceSettings(service_name="intake", kafka_bootstrap=kafka_bootstrap, topic_prefix=prefix,
                               erasure_bound_hours=BOUND_SECONDS / 3600)
    retention = Retention.from_settings(settings)
    await ensure_topics(kafka_bootstrap, settings.topic_partitions, prefix, retention=retention)
    topic = prefix + topics.PARTICIPANT_CONTACTS
    broker = make_broker(settings)
    publishers = EventPublishers(broker, ["participant-contact-changed"], prefix)
    await broker.start()
    kept, erased = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(2)]
    secrets = {}
    try:
        async def publish(*entries):
            await asyncio.gather(*[await publishers.send(e) for e in entries])

        for round_ in range(3):  # several records per person, as address changes would leave
            await publish(contact(kept, f"Kept{round_}", f"kept{round_}@example.org"),
                          *(contact(p, f"Zorah{n}x{round_}", f"zorah{n}.{round_}@example.org")
                            for n, p in enumerate(erased)))
            secrets.update({f"Zorah{n}x{round_}": p for n, p in enumerate(erased)})
            secrets.update({f"zorah{n}.{round_}@example.org": p for n, p in enumerate(erased)})
        await publish(*(outbox.entry(outbox.Tombstone("participant-contact-changed", p, "erasure-test"))
                        for p in erased))
        erased_at = time.monotonic()

        roll = ContactSegmentRoller(broker, topic, settings.topic_partitions)
        while time.monotonic() - erased_at < BOUND_SECONDS:  # what intake's periodic job does
            await roll()
            await asyncio.sleep(min(retention.contact_roll_ms / 1000,
                                    max(BOUND_SECONDS - (time.monotonic() - erased_at), 0)))
    finally:
        await broker.stop()

    # Read to the end of every partition: the roller's last tombstones are the newest records.
    records = await read_topics(kafka_bootstrap, [topic], until=lambda rs: sum(
        r.key == b"segment-roll" for r in rs) >= settings.topic_partitions, timeout=30)
    text = b"\n".join(r.value for r in records if r.value is not None)
    left = sorted({name for name in secrets if name.encode() in text})
    assert left == [], f"erased contact data still readable from offset 0 after {BOUND_SECONDS}s: {left}"
    assert b"kept2@example.org" in text, "the person not erased must keep their latest contact"
    tombstones = {r.key.decode() for r in records if r.value is None}
    assert set(erased) <= tombstones, "the erasure's tombstones stay for delete.retention.ms"
