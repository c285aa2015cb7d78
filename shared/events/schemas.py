"""JSON Schemas of the envelopes, generated from the same models the code validates with."""
from __future__ import annotations

from functools import cache

from pydantic import BaseModel, create_model

from shared.events.catalog import CATALOG, EventSpec
from shared.events.envelope import Envelope


@cache
def envelope_model(spec: EventSpec) -> type[BaseModel]:
    """The envelope with `data` typed by this event's payload model."""
    name = "".join(part.title() for part in spec.type.split("-")) + f"V{spec.version}Event"
    return create_model(name, __base__=Envelope, __doc__=spec.description, data=(spec.payload, ...))


def json_schema(spec: EventSpec) -> dict:
    schema = envelope_model(spec).model_json_schema()
    schema["$id"] = f"urn:duo-suite:event:{spec.type}:v{spec.version}"
    schema["x-topic"] = spec.topic
    schema["x-source"] = spec.source
    return schema


def all_schemas() -> dict[str, dict]:
    return {f"{t}.v{s.version}": json_schema(s) for t, s in sorted(CATALOG.items())}
