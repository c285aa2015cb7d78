"""The suite's event catalog: one envelope, one payload model per event type, one version each."""
from shared.events.envelope import Envelope, new_envelope
from shared.events.catalog import CATALOG, EventSpec, spec_for, parse_payload

# Importing the payload modules registers every event type in the catalog.
from shared.events import intake, matching, followup, notify, branches  # noqa: E402,F401

__all__ = ["CATALOG", "Envelope", "EventSpec", "new_envelope", "parse_payload", "spec_for"]
