"""The console in a real browser: Debian's Chromium driven by Playwright, against the four
services and the console started as processes (as tests/processes.py starts them)."""
from __future__ import annotations

from playwright.async_api import Browser, Page, async_playwright

from infra.paths import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = REPO / "tests" / "e2e" / "vendor" / "axe-core-4.11.0.min.js"  # npm pack axe-core@4.11.0, axe.min.js


class Chromium:
    """One browser for a test module; a fresh context (cookies, language) per person."""

    def __init__(self) -> None:
        self._playwright = None
        self.browser: Browser | None = None

    async def __aenter__(self) -> "Chromium":
        self._playwright = await async_playwright().start()
        self.browser = await self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.browser.close()
        await self._playwright.stop()

    async def page(self, locale: str = "en-GB", **options) -> Page:
        context = await self.browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}, **options)
        return await context.new_page()


async def sign_in(page: Page, console: str, branches: tuple[str, ...] = ("brussels",), role: str = "coordinator",
                  name: str = "Sofie") -> None:
    await page.goto(f"{console}/sign-in")
    await page.fill("#name", name)
    await page.check(f"input[name=role][value={role}]")
    for box in await page.query_selector_all("input[name=branches]"):
        if await box.get_attribute("value") in branches:
            await box.check()
        else:
            await box.uncheck()
    await page.click("form[action='/sign-in/dev'] button")
    await page.wait_for_load_state()


async def serious_violations(page: Page) -> list[dict]:
    """axe-core's WCAG 2 A/AA rules on the page; the serious and critical ones."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
