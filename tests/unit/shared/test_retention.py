"""The topics' configs say what docs/retention.md promises: the record kept for good, the erasure bound held."""
from __future__ import annotations

import pytest

from shared.events import topics
from shared.messaging.retention import DAY_MS, HOUR_MS, Retention
from shared.settings import ServiceSettings


def test_domain_topics_are_kept_for_good_and_dead_letters_for_a_while():
    retention = Retention.from_settings(ServiceSettings())
    for name in (topics.PARTICIPANTS, topics.DUOS, topics.DUO_ACTIVITY, topics.NOTIFICATIONS):
        assert retention.configs(name) == {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
    assert retention.configs(topics.DEAD_LETTERS)["retention.ms"] == str(30 * DAY_MS)


@pytest.mark.parametrize("bound_hours", [24, 1, 30 / 3600, 0.5 / 3600])
def test_the_contacts_topic_cleans_an_erasure_within_half_the_bound(bound_hours):
    bound_ms = round(bound_hours * HOUR_MS)
    retention = Retention.from_settings(ServiceSettings(erasure_bound_hours=bound_hours))
    configs = retention.configs(topics.PARTICIPANT_CONTACTS)
    assert configs["cleanup.policy"] == "compact"
    # closed by segment.ms plus one roll at most, then due for cleaning by max.compaction.lag.ms:
    # the other half of the bound is the cleaner's margin
    closed_by = int(configs["segment.ms"]) + retention.contact_roll_ms
    assert max(closed_by, int(configs["max.compaction.lag.ms"])) <= bound_ms / 2 + 1
    assert configs["delete.retention.ms"] == str(bound_ms)
    assert all(int(configs[k]) >= 1 for k in ("segment.ms", "max.compaction.lag.ms", "delete.retention.ms"))
