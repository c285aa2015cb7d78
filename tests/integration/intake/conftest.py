"""Intake in-process against the real broker and store, with a feed for other services' events."""
from __future__ import annotations

import pytest

from services.intake.bootstrap import build_app
from services.intake.settings import IntakeSettings
from tests.integration.services.producing import Feed, service_connected
from tests.suite import auth, in_process, isolated_env


@pytest.fixture
async def intake(kafka_bootstrap, mongo_url, fresh_db_name, monkeypatch):
    env = isolated_env(kafka_bootstrap, mongo_url)
    for name, value in {**env, "DUO_MONGO_DB": fresh_db_name}.items():
        monkeypatch.setenv(name, value)
    app = build_app(IntakeSettings())
    async with in_process(app) as http, Feed(kafka_bootstrap, env["DUO_TOPIC_PREFIX"]) as feed:
        http.headers.update(auth("coordinator", ("brussels",)))
        await service_connected(app)
        http.prefix = env["DUO_TOPIC_PREFIX"]
        http.participants = app.state.intake.participants.collection
        http.feed = feed
        yield http
