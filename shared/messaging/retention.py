"""How long each topic keeps what it holds, as Kafka topic configs: the one place that says it.

- Domain topics carry no personal data and are the suite's record (views and the funders'
  figures are rebuilt from them): kept for good, `retention.ms=-1` unless set otherwise.
- Dead letters are for operators to look at, not a record: a finite retention.
- The contacts topic (names and e-mail addresses) is compacted, and tuned so that an erased
  person's earlier records are gone from the log within the erasure bound B:

  * the cleaner never touches a partition's active segment, so `segment.ms` = B/4 closes it,
    and `ContactSegmentRoller` appends a keyed tombstone to every partition each B/4 so that
    a quiet partition rolls too (Kafka only rolls a segment when something is appended): the
    segment holding the erasure tombstone is closed at most B/4 + B/4 = B/2 after it;
  * `max.compaction.lag.ms` = B/2 makes that closed segment due for cleaning at most B/2 after
    the tombstone, whatever `min.cleanable.dirty.ratio` says (lowered to 0.1 only so that busy
    topics are cleaned more often);
  * the remaining B/2 is the cleaner's margin: its back-off between checks (15 s by default)
    and its queue of other compacted logs;
  * the tombstone itself (a participant id, no personal data) stays `delete.retention.ms` = B
    after that cleaning, so a consumer behind by less than B still sees the erasure.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.events import topics

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
FOREVER = -1


@dataclass(frozen=True)
class Retention:
    domain_ms: int = FOREVER
    dead_letters_ms: int = 30 * DAY_MS
    erasure_bound_ms: int = 24 * HOUR_MS

    @classmethod
    def from_settings(cls, settings) -> "Retention":
        return cls(domain_ms=settings.topic_retention_ms,
                   dead_letters_ms=round(settings.dead_letter_retention_days * DAY_MS),
                   erasure_bound_ms=round(settings.erasure_bound_hours * HOUR_MS))

    @property
    def contact_roll_ms(self) -> int:
        return max(self.erasure_bound_ms // 4, 1)

    def configs(self, name: str) -> dict[str, str]:
        """The topic-level configs `name` (without the prefix) must have."""
        if name in topics.COMPACTED:
            return {"cleanup.policy": "compact",
                    "segment.ms": str(self.contact_roll_ms),
                    "max.compaction.lag.ms": str(max(self.erasure_bound_ms // 2, 1)),
                    "min.compaction.lag.ms": "0",
                    "min.cleanable.dirty.ratio": "0.1",
                    "delete.retention.ms": str(self.erasure_bound_ms)}
        kept = self.dead_letters_ms if name == topics.DEAD_LETTERS else self.domain_ms
        return {"cleanup.policy": "delete", "retention.ms": str(kept), "retention.bytes": "-1"}
