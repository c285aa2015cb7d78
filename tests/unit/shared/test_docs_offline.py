"""Each service's /docs works offline: every asset it references is served by the service itself."""
from __future__ import annotations

import importlib
import re
from urllib.parse import urlsplit

import httpx
import pytest


@pytest.mark.parametrize("service", ["intake", "matching", "followup", "notify"])
async def test_docs_reference_no_external_host_and_every_asset_is_served(service):
    app = importlib.import_module(f"services.{service}.bootstrap").build_app()
    transport = httpx.ASGITransport(app=app)  # no lifespan: the docs need neither Kafka nor the store
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        page = await client.get("/docs")
        assert page.status_code == 200
        references = re.findall(r"""(?:src|href)=["']([^"']+)["']|url:\s*'([^']+)'""", page.text)
        urls = [a or b for a, b in references]
        assert any(u.endswith("swagger-ui-bundle.js") for u in urls), urls
        assert "openapi.json" in page.text
        for url in urls:
            assert not urlsplit(url).netloc, f"/docs of {service} loads {url} from another host"
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 100, url
        assert (await client.get("/redoc")).status_code == 404  # ReDoc would come from a CDN
