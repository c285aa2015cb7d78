"""Registry of event types: name, version, topic, publishing service and payload model."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

from pydantic import BaseModel

from shared.events.envelope import Envelope

P = TypeVar("P", bound=type[BaseModel])


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    topic: str
    source: str
    payload: type[BaseModel]

    @property
    def description(self) -> str:
        return (self.payload.__doc__ or "").strip()


CATALOG: dict[str, EventSpec] = {}
_BY_MODEL: dict[type[BaseModel], EventSpec] = {}


def event(type: str, *, version: int, topic: str, source: str) -> Callable[[P], P]:
    """Class decorator: register a payload model as event `type` at `version`."""

    def register(model: P) -> P:
        if type in CATALOG:
            raise ValueError(f"event type {type!r} is registered twice")
        spec = EventSpec(type=type, version=version, topic=topic, source=source, payload=model)
        CATALOG[type] = spec
        _BY_MODEL[model] = spec
        return model

    return register


class UnknownEvent(ValueError):
    pass


def spec_for(type: str) -> EventSpec:
    try:
        return CATALOG[type]
    except KeyError:
        raise UnknownEvent(f"unknown event type {type!r}") from None


def spec_of(model: type[BaseModel]) -> EventSpec:
    return _BY_MODEL[model]


def parse_payload(envelope: Envelope) -> BaseModel:
    """Validate an envelope's data against its catalogued model (and version)."""
    spec = spec_for(envelope.type)
    if envelope.version != spec.version:
        raise UnknownEvent(
            f"{envelope.type} version {envelope.version} is not known (catalog has {spec.version})"
        )
    # Tolerant reader: a field added later (optional, same version) is ignored by older
    # consumers instead of failing them; the models stay strict for what this code publishes.
    known = spec.payload.model_fields
    return spec.payload.model_validate({k: v for k, v in envelope.data.items() if k in known})
