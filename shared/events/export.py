"""Write the event catalog for other systems: JSON Schemas and each service's AsyncAPI document.

Run with `make events-docs`; the result lands in docs/events/.
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from shared.events.schemas import all_schemas

SERVICES = ("intake", "matching", "followup", "notify")


def asyncapi_documents() -> dict[str, dict]:
    documents = {}
    for name in SERVICES:
        bootstrap = importlib.import_module(f"services.{name}.bootstrap")
        # The app, not just the runtime: its consumers add the subscriptions to the document.
        runtime = bootstrap.build_app().state.runtime
        documents[name] = runtime.asyncapi().to_specification().to_jsonable()
    return documents


def write(target: Path) -> list[Path]:
    written = []
    schemas_dir = target / "schemas"
    schemas_dir.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        path = schemas_dir / f"{name}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    for name, document in asyncapi_documents().items():
        path = target / f"asyncapi-{name}.json"
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/events")
    files = write(out)
    print(f"wrote {len(files)} files to {out}/")
