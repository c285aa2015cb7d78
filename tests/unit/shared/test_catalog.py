"""The event catalog: every type has a JSON Schema that agrees with the model, and a published
type@version never changes incompatibly.

Snapshots: tests/unit/shared/schema_snapshots/<type>.v<version>.json, one per catalogued
type@version, committed with the code. A new type@version needs its snapshot:

    DUO_UPDATE_SNAPSHOTS=1 uv run pytest tests/unit/shared/test_catalog.py

writes the missing ones and refreshes those whose change is compatible (additive optional
properties, wider types). An incompatible change is never written over: give the type a new
version instead.
"""
from __future__ import annotations

import copy
import json
import os
from datetime import date
from pathlib import Path
from typing import Literal, Optional

import jsonschema
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.events import CATALOG, Envelope, new_envelope, parse_payload
from shared.events.catalog import UnknownEvent
from shared.events.schemas import all_schemas, json_schema
from tests.unit.shared.examples import EXAMPLES, example, generate
from tests.unit.shared.schema_compat import incompatibilities

SNAPSHOTS = Path(__file__).parent / "schema_snapshots"
UPDATE = os.environ.get("DUO_UPDATE_SNAPSHOTS") == "1"


def snapshot_path(name: str) -> Path:
    return SNAPSHOTS / f"{name}.json"


def envelope_of(event_type: str, data: dict) -> dict:
    spec = CATALOG[event_type]
    valid = new_envelope(spec.payload.model_validate(example(event_type)), branch="brussels",
                         subject="s-1", correlation_id="c-1")
    return {**json.loads(valid.to_bytes()), "data": data}


def schema_validator(event_type: str) -> jsonschema.protocols.Validator:
    schema = json_schema(CATALOG[event_type])
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# -- every type has a schema, and the schema and the model agree ------------------------------

def test_every_event_type_has_a_version_a_schema_and_an_example():
    schemas = all_schemas()
    assert CATALOG, "the catalog is empty"
    for event_type, spec in CATALOG.items():
        assert spec.version >= 1
        assert f"{event_type}.v{spec.version}" in schemas
        assert spec.description, f"{event_type} has no description (the payload's docstring)"
    assert set(EXAMPLES) <= set(CATALOG), f"examples for unknown types: {set(EXAMPLES) - set(CATALOG)}"


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_the_example_matches_both_model_and_schema(event_type):
    data = example(event_type)
    CATALOG[event_type].payload.model_validate(data)
    errors = list(schema_validator(event_type).iter_errors(envelope_of(event_type, data)))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_a_generated_payload_with_every_property_matches_model_and_schema(event_type):
    # Exercises the optional properties too, which the hand-written examples may leave out.
    model_schema = CATALOG[event_type].payload.model_json_schema()
    data = generate(model_schema, model_schema.get("$defs", {}))
    CATALOG[event_type].payload.model_validate(data)
    errors = list(schema_validator(event_type).iter_errors(envelope_of(event_type, data)))
    assert not errors, [e.message for e in errors]


def _breakages(event_type: str) -> dict[str, dict]:
    """Ways to break a valid payload: a required field missing, an unknown field, a wrong type."""
    data = example(event_type)
    schema = CATALOG[event_type].payload.model_json_schema()
    required = schema.get("required", [])
    assert required, f"{event_type} has no required field"
    first = required[0]
    broken = {
        "missing required field": {k: v for k, v in data.items() if k != first},
        "unknown field": {**data, "surprise": 1},
        "wrong type": {**data, first: {"an": "object"}},
    }
    return broken


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_a_payload_that_breaks_the_schema_fails_model_and_schema(event_type):
    validator = schema_validator(event_type)
    for how, data in _breakages(event_type).items():
        with pytest.raises(ValidationError):
            CATALOG[event_type].payload.model_validate(data)
        assert list(validator.iter_errors(envelope_of(event_type, data))), \
            f"the JSON Schema of {event_type} accepts a payload with a {how}"
        envelope = Envelope.model_validate(envelope_of(event_type, data))
        if how == "unknown field":
            continue  # consumers read tolerantly: see test_a_consumer_ignores_a_field_added_by_a_newer_producer
        with pytest.raises(ValidationError):
            parse_payload(envelope)


def test_a_constraint_is_in_the_schema_too():
    # session-logged: hours must be > 0; the model and the published schema both refuse 0.
    data = {**example("session-logged"), "hours": 0}
    with pytest.raises(ValidationError):
        CATALOG["session-logged"].payload.model_validate(data)
    assert list(schema_validator("session-logged").iter_errors(envelope_of("session-logged", data)))


def test_an_unknown_version_is_refused():
    wire = envelope_of("session-logged", example("session-logged"))
    wire["version"] = CATALOG["session-logged"].version + 1
    with pytest.raises(UnknownEvent):
        parse_payload(Envelope.model_validate(wire))


# -- published schemas never change incompatibly ---------------------------------------------

@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_schema_is_compatible_with_its_snapshot(name):
    current = all_schemas()[name]
    path = snapshot_path(name)
    text = json.dumps(current, indent=2, sort_keys=True) + "\n"
    if not path.exists():
        if UPDATE:
            SNAPSHOTS.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            return
        pytest.fail(f"{name} has no schema snapshot; run the tests once with DUO_UPDATE_SNAPSHOTS=1 "
                    f"and commit {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    problems = incompatibilities(json.loads(path.read_text()), current)
    assert not problems, (
        f"{name} changed incompatibly since its snapshot; publish it as a new version instead:\n  "
        + "\n  ".join(problems))
    if UPDATE and path.read_text() != text:
        path.write_text(text)  # compatible (e.g. a new optional property): record it


def test_every_snapshot_is_valid_json_schema():
    snapshots = sorted(SNAPSHOTS.glob("*.json"))
    assert snapshots, "no schema snapshots committed"
    for path in snapshots:
        schema = json.loads(path.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)


# -- the compatibility check itself can fail -------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Level(_Strict):
    code: str
    level: Literal["A1", "A2", "B1"]


class V1(_Strict):
    duo_id: str
    hours: float = Field(gt=0, le=12)
    held_on: date
    note_id: Optional[str] = None
    kind: Literal["job", "training", "none"]
    tags: list[str] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)


def schema(model: type[BaseModel]) -> dict:
    return model.model_json_schema()


def variant(**changes) -> dict:
    """V1's schema with property-level edits: None removes the property."""
    out = copy.deepcopy(schema(V1))
    for name, value in changes.items():
        if value is None:
            out["properties"].pop(name)
            out["required"] = [r for r in out.get("required", []) if r != name]
        else:
            out["properties"][name] = value
    return out


def test_identical_schemas_are_compatible():
    assert incompatibilities(schema(V1), schema(V1)) == []


def test_additive_optional_property_is_compatible():
    class V1Plus(V1):
        support: list[str] = Field(default_factory=list)
        channel: Optional[str] = None

    assert incompatibilities(schema(V1), schema(V1Plus)) == []


def test_widened_types_and_looser_bounds_are_compatible():
    class Wider(_Strict):
        duo_id: str | int
        hours: float = Field(gt=0, le=24)
        held_on: date
        note_id: Optional[str] = None
        kind: Literal["job", "training", "none", "placement"]
        tags: list[str] = Field(default_factory=list)
        levels: list[Level] = Field(default_factory=list)

    assert incompatibilities(schema(V1), schema(Wider)) == []


def test_removed_property_is_incompatible():
    problems = incompatibilities(schema(V1), variant(note_id=None))
    assert any("note_id" in p and "removed" in p for p in problems), problems


def test_renamed_property_is_incompatible():
    class Renamed(_Strict):
        duo: str
        hours: float = Field(gt=0, le=12)
        held_on: date
        note_id: Optional[str] = None
        kind: Literal["job", "training", "none"]
        tags: list[str] = Field(default_factory=list)
        levels: list[Level] = Field(default_factory=list)

    problems = incompatibilities(schema(V1), schema(Renamed))
    assert any(".duo_id: property removed or renamed" in p for p in problems), problems
    assert any(".duo: new required property" in p for p in problems), problems


def test_new_required_property_is_incompatible():
    class V1Required(V1):
        channel: str

    problems = incompatibilities(schema(V1), schema(V1Required))
    assert problems == ["$.channel: new required property"]


def test_optional_becoming_required_is_incompatible():
    class Stricter(V1):
        note_id: str

    problems = incompatibilities(schema(V1), schema(Stricter))
    assert any("note_id" in p and "became required" in p for p in problems), problems
    assert any("note_id" in p and "narrowed" in p for p in problems), problems  # null no longer allowed


@pytest.mark.parametrize("changed, expected", [
    ({"hours": {"type": "integer", "exclusiveMinimum": 0, "maximum": 12}}, "type narrowed"),
    ({"hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 8}}, "maximum tightened"),
    ({"duo_id": {"type": "string", "maxLength": 10}}, "maxLength tightened"),
    ({"duo_id": {"type": "string", "pattern": "^duo-"}}, "pattern changed"),
    ({"kind": {"type": "string", "enum": ["job", "none"]}}, "values no longer allowed"),
    ({"note_id": {"type": "string"}}, "type narrowed"),
    ({"held_on": {"type": "string", "format": "date-time"}}, "format changed"),
    ({"tags": {"type": "array", "items": {"type": "integer"}}}, "tags[]: type narrowed"),
])
def test_narrowed_type_is_incompatible(changed, expected):
    problems = incompatibilities(schema(V1), variant(**changed))
    assert any(expected in p for p in problems), problems


def test_narrowing_inside_a_nested_model_is_found():
    class Level2(_Strict):
        code: str
        level: Literal["A1", "A2"]

    class V2(V1):
        levels: list[Level2] = Field(default_factory=list)

    problems = incompatibilities(schema(V1), schema(V2))
    assert any("levels[].level" in p and "A1" not in p and "B1" in p for p in problems), problems


def test_a_consumer_ignores_a_field_added_by_a_newer_producer():
    from shared.events import new_envelope, parse_payload
    from shared.events.followup import SessionLogged

    envelope = new_envelope(SessionLogged(duo_id="d1", session_id="s1", held_on="2026-11-02", hours=2),
                            branch="brussels", subject="d1", correlation_id="c1")
    newer = envelope.model_copy(update={"data": {**envelope.data, "location": "library"}})
    assert parse_payload(newer) == parse_payload(envelope)
    without_hours = envelope.model_copy(update={"data": {k: v for k, v in envelope.data.items() if k != "hours"}})
    with pytest.raises(ValidationError):
        parse_payload(without_hours)
