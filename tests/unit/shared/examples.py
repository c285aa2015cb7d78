"""One valid payload per catalogued event type: the fixtures the catalog tests validate and break.

A new event type without an example here fails test_catalog, so every type is exercised.
"""
from __future__ import annotations

import copy
from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "mentee-registered": {
        "mentee_id": "mentee-1", "registered_on": "2025-03-01", "age_band": "18-25",
        "languages": [{"code": "fr", "level": "native"}], "sectors": ["logistics"],
        "education_level": "secondary", "postcode_area": "BE-10", "availability": ["mon-am"],
    },
    "mentor-registered": {
        "mentor_id": "mentor-1", "registered_on": "2025-03-01", "age_band": "45-55",
        "languages": [{"code": "nl", "level": "C1"}], "experience": [{"sector": "logistics", "years": 12}],
        "postcode_area": "BE-10", "availability": ["tue-eve"], "max_active_duos": 2,
    },
    "mentor-trained": {"mentor_id": "mentor-1", "completed_on": "2025-03-10", "modules": 4},
    "participant-withdrawn": {"participant_id": "mentee-1", "role": "mentee", "withdrawn_on": "2025-04-01"},
    "participant-erased": {"participant_id": "mentee-1", "role": "mentee"},
    "participant-contact-changed": {
        "participant_id": "mentee-1", "role": "mentee", "display_name": "Sam",
        "email": "sam@example.org", "preferred_language": "fr",
    },
    "duo-proposed": {
        "duo_id": "duo-1", "mentee_id": "mentee-1", "mentor_id": "mentor-1", "score": 81.5,
        "breakdown": {"languages": 30.0, "sectors": 25.0}, "reasons": ["both speak French"],
    },
    "proposal-declined": {"duo_id": "duo-1", "mentee_id": "mentee-1", "mentor_id": "mentor-1"},
    "duo-formed": {
        "duo_id": "duo-1", "mentee_id": "mentee-1", "mentor_id": "mentor-1",
        "started_on": "2025-03-15", "score": 81.5,
    },
    "session-logged": {"duo_id": "duo-1", "session_id": "s-1", "held_on": "2025-03-20", "hours": 2.0},
    "duo-at-risk": {"duo_id": "duo-1", "last_session_on": None, "days_without_session": 21},
    "duo-ended": {
        "duo_id": "duo-1", "mentee_id": "mentee-1", "mentor_id": "mentor-1", "ended_on": "2025-09-15",
        "completed": True, "reason": "six months completed", "mentee_returns_to_pool": False,
    },
    "outcome-recorded": {
        "duo_id": "duo-1", "mentee_id": "mentee-1", "moment": "end", "kind": "job",
        "achieved_on": "2025-09-01", "evidence": "signed contract", "recorded_on": "2025-09-15",
    },
    "notification-sent": {
        "notification_id": "n-1", "recipient_id": "mentee-1", "template": "duo-formed",
        "channel": "email", "cause_event_id": "0c3f5a56-2d0e-4bd2-9a36-0d6f0b3c4a11",
    },
    "notification-failed": {
        "notification_id": "n-1", "recipient_id": "mentee-1", "template": "duo-formed",
        "channel": "email", "cause_event_id": "0c3f5a56-2d0e-4bd2-9a36-0d6f0b3c4a11",
        "reason": "no contact on file for this participant",
    },
    "branch-opened": {"rules_version": 1, "effective_from": "2025-03-01", "rules": {
        "country": "BE", "working_languages": ["fr"], "mentee_min_age": 18, "mentee_max_age": 33,
        "mentor_min_age": 50, "mentee_min_level": "A2", "mentor_min_level": "B2",
        "training_modules": ["active-listening"], "max_active_duos": 1, "at_risk_after_days": 14,
        "matching_weights": {"sector": 35, "language": 25, "distance": 15, "availability": 15, "preferences": 10}}},
    "branch-closed": {"closed_on": "2025-12-31"},
}


def example(event_type: str) -> dict[str, Any]:
    """The hand-written example, or one generated from the payload's JSON Schema for new types."""
    if event_type in EXAMPLES:
        return EXAMPLES[event_type]
    from shared.events import spec_for

    if event_type not in _GENERATED:
        schema = spec_for(event_type).payload.model_json_schema()
        _GENERATED[event_type] = generate(schema, schema.get("$defs", {}))
    return copy.deepcopy(_GENERATED[event_type])  # callers may change their copy


# Generated once per process: finding the smallest string of a pattern takes hypothesis about two
# seconds, and the catalog tests ask for the same examples many times (a unit test took 62 s).
_GENERATED: dict[str, dict[str, Any]] = {}
_PATTERN_EXAMPLES: dict[str, str] = {}


def generate(node: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A small valid value for a pydantic-generated JSON Schema (every property filled in)."""
    from hypothesis import find, strategies

    while "$ref" in node:
        node = {**defs[node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    for key in ("anyOf", "oneOf"):
        if key in node:
            choices = [alt for alt in node[key] if alt.get("type") != "null"] or node[key]
            return generate(choices[0], defs)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        value = {name: generate(sub, defs) for name, sub in node.get("properties", {}).items()}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            value["key"] = generate(extra, defs)
        return value
    if kind == "array":
        return [generate(node.get("items", {"type": "string"}), defs)
                for _ in range(max(1, node.get("minItems", 1)))]
    if kind == "string":
        formats = {"date": "2025-03-01", "date-time": "2025-03-01T10:00:00Z", "email": "someone@example.org",
                   "uuid": "0c3f5a56-2d0e-4bd2-9a36-0d6f0b3c4a11"}
        if node.get("format") in formats:
            return formats[node["format"]]
        if "pattern" in node:
            pattern = node["pattern"]
            if pattern not in _PATTERN_EXAMPLES:
                _PATTERN_EXAMPLES[pattern] = find(strategies.from_regex(pattern, fullmatch=True), lambda s: True)
            return _PATTERN_EXAMPLES[pattern]
        return "x" * max(1, node.get("minLength", 1))
    if kind in ("integer", "number"):
        low = node.get("minimum", node.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in node else 0))
        high = node.get("maximum", node.get("exclusiveMaximum", low + 2) - 1)
        value = max(low, min(high, 1))
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "x"
