"""The one envelope: it survives the wire unchanged, its headers route without parsing, and no
domain event carries personal data (docs/architecture.md)."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from shared.events import CATALOG, Envelope, new_envelope, spec_for, topics
from shared.events.followup import SessionLogged
from tests.unit.shared.examples import example

ENVELOPE_FIELDS = {"id", "type", "version", "source", "time", "branch", "subject", "correlation_id", "data"}
# Words that name personal data in a field; none may appear in a domain event (docs/architecture.md).
PERSONAL = ("name", "email", "mail", "phone", "birth", "note", "address", "street", "nationality",
            "religion", "origin", "comment", "free_text")
# The only event allowed to carry contact details: it lives on its own compacted topic.
CONTACT_EVENTS = {"participant-contact-changed"}


def session_logged(**overrides) -> Envelope:
    payload = SessionLogged(duo_id="duo-7", session_id="s-1", held_on="2025-03-20", hours=1.5)
    return new_envelope(payload, branch="brussels", subject="duo-7", correlation_id="corr-123", **overrides)


def test_round_trip_through_bytes_keeps_every_attribute():
    original = session_logged(time=datetime(2025, 3, 20, 10, 30, tzinfo=timezone.utc))
    again = Envelope.from_bytes(original.to_bytes())
    assert again == original
    assert again.model_dump() == original.model_dump()
    assert again.time.tzinfo is not None and again.time.utcoffset().total_seconds() == 0


def test_new_envelope_takes_type_version_and_source_from_the_catalog():
    envelope = session_logged()
    spec = spec_for("session-logged")
    assert (envelope.type, envelope.version, envelope.source) == (spec.type, spec.version, spec.source)
    assert isinstance(envelope.id, uuid.UUID)
    assert envelope.time.tzinfo is not None
    assert envelope.data == {"duo_id": "duo-7", "session_id": "s-1", "held_on": "2025-03-20", "hours": 1.5,
                             "logged_by": None, "logged_on": None}
    assert session_logged().id != envelope.id, "every event gets its own id"


def test_headers_carry_type_version_id_and_correlation_id():
    envelope = session_logged()
    headers = envelope.headers()
    assert headers["event-type"] == "session-logged"
    assert headers["event-version"] == str(envelope.version)
    assert headers["event-id"] == str(envelope.id)
    assert headers["correlation-id"] == "corr-123"
    assert headers["branch"] == "brussels"
    assert all(isinstance(v, str) for v in headers.values()), "Kafka headers are strings"


def test_envelope_has_exactly_the_cloudevents_like_attributes():
    assert set(Envelope.model_fields) == ENVELOPE_FIELDS
    wire = json.loads(session_logged().to_bytes())
    assert set(wire) == ENVELOPE_FIELDS


@pytest.mark.parametrize("broken", [
    b"not json at all",
    b"{}",
    b'{"id": "not-a-uuid"}',
])
def test_garbage_is_refused(broken):
    with pytest.raises(ValidationError):
        Envelope.from_bytes(broken)


def test_unknown_envelope_attribute_is_refused():
    wire = json.loads(session_logged().to_bytes())
    wire["email"] = "someone@example.org"
    with pytest.raises(ValidationError):
        Envelope.from_bytes(json.dumps(wire).encode())


def _field_names(schema: dict, defs: dict) -> set[str]:
    """Every property name in a JSON schema, nested objects and $refs included."""
    names: set[str] = set()
    seen: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref not in seen:
                seen.add(ref)
                walk(defs[ref.rsplit("/", 1)[-1]])
            for name, sub in (node.get("properties") or {}).items():
                names.add(name)
                walk(sub)
            for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return names


@pytest.mark.parametrize("event_type", sorted(set(CATALOG) - CONTACT_EVENTS))
def test_domain_events_carry_no_personal_fields(event_type):
    schema = spec_for(event_type).payload.model_json_schema()
    names = _field_names(schema, schema.get("$defs", {}))
    personal = sorted(n for n in names if any(word in n.lower() for word in PERSONAL))
    assert not personal, f"{event_type} carries personal fields: {personal}"


def test_the_field_check_would_catch_a_personal_field():
    from pydantic import BaseModel

    class Leaky(BaseModel):
        mentee_id: str
        contact: dict[str, str]
        details: "Details"

    class Details(BaseModel):
        first_name: str

    Leaky.model_rebuild()
    schema = Leaky.model_json_schema()
    assert "first_name" in _field_names(schema, schema.get("$defs", {}))


def test_contact_details_travel_only_on_the_compacted_contacts_topic():
    for event_type in CONTACT_EVENTS:
        assert spec_for(event_type).topic == topics.PARTICIPANT_CONTACTS
    assert topics.PARTICIPANT_CONTACTS in topics.COMPACTED
    others = {spec.topic for t, spec in CATALOG.items() if t not in CONTACT_EVENTS}
    assert topics.PARTICIPANT_CONTACTS not in others


def test_every_example_wraps_and_parses_back():
    from shared.events import parse_payload

    for event_type, spec in CATALOG.items():
        payload = spec.payload.model_validate(example(event_type))
        envelope = new_envelope(payload, branch="ghent", subject="s-1", correlation_id="c-1")
        assert parse_payload(Envelope.from_bytes(envelope.to_bytes())) == payload
