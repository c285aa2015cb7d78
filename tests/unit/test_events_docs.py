"""docs/events/ is what other systems read: it must say what the code publishes today."""
from __future__ import annotations

import json
from pathlib import Path

from shared.events.export import write

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_committed_event_docs_match_the_code(tmp_path):
    write(tmp_path)
    generated = {p.relative_to(tmp_path): json.loads(p.read_text()) for p in tmp_path.rglob("*.json")}
    committed = {p.relative_to(DOCS): json.loads(p.read_text()) for p in DOCS.rglob("*.json")}
    assert sorted(map(str, committed)) == sorted(map(str, generated)), "run `make events-docs` and commit"
    stale = [str(path) for path, document in generated.items() if committed[path] != document]
    assert not stale, f"out of date, run `make events-docs`: {stale}"


def test_every_service_documents_what_it_publishes_and_consumes():
    for service, publishes in {"intake": "mentee-registered", "matching": "duo-formed",
                               "followup": "duo-ended", "notify": "notification-sent"}.items():
        document = json.loads((DOCS / f"asyncapi-{service}.json").read_text())
        text = json.dumps(document)
        assert publishes in text, service
        assert document["asyncapi"].startswith(("2.", "3.")) and document["channels"], service
