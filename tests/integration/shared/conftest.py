"""Fixtures of the messaging fault tests: a topic prefix and a database of their own per test."""
from __future__ import annotations

import pytest
from pymongo import AsyncMongoClient

from tests.integration.shared.kit import new_prefix


@pytest.fixture
def prefix() -> str:
    """Topics and consumer groups no other test uses."""
    return new_prefix()


@pytest.fixture
async def mongo(mongo_url):
    client = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=10_000, tz_aware=True)
    try:
        yield client
    finally:
        await client.close()
