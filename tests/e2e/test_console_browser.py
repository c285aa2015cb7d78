"""A coordinator's day in the console, clicked through in Chromium; another branch sees none of it.

Also: the registration form by keyboard alone with a label on every field (axe-core), and the
main pages in French, Dutch and English. `make screenshots` runs the flow with
DUO_SCREENSHOTS=<folder> and keeps a PNG of each page.
"""
from __future__ import annotations

import asyncio
import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.e2e.console_browser import Chromium, serious_violations, sign_in
from tests.processes import start_suite_with_console
from tests.e2e.people import years_ago
from tests.suite import isolated_env

SHOTS = Path(os.environ["DUO_SCREENSHOTS"]) if os.environ.get("DUO_SCREENSHOTS") else None
PAGES = ("", "mentees/new", "mentors/new", "matching", "duos", "figures", "notifications", "people")


@pytest.fixture(scope="module")
async def suite(kafka_bootstrap, mongo_url, smtp_sink, tmp_path_factory):
    env = isolated_env(kafka_bootstrap, mongo_url)
    env["DUO_SMTP_HOST"] = smtp_sink.host
    running = await asyncio.to_thread(start_suite_with_console, env, tmp_path_factory.mktemp("console"), smtp_sink.port)
    yield running
    await asyncio.to_thread(running.stop)


@pytest.fixture(scope="module")
async def chromium():
    async with Chromium() as browser:
        yield browser


async def shot(page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def fill_person(page, first_name: str, last_name: str, email: str, birth_date: str, languages) -> None:
    await page.fill("#first_name", first_name)
    await page.fill("#last_name", last_name)
    await page.fill("#email", email)
    await page.fill("#birth_date", birth_date)
    await page.select_option("#country", "BE")
    await page.fill("#postcode", "1030")
    for index, (code, level) in enumerate(languages, start=1):
        await page.select_option(f"#language{index}", code)
        await page.select_option(f"#level{index}", level)
    for slot in ("mon-eve", "wed-pm"):
        await page.check(f"input[name=availability][value={slot}]")
    await page.check("#consent")


async def test_a_coordinator_registers_matches_and_follows_a_duo_and_another_branch_sees_none_of_it(suite, chromium):
    console = suite["console"].url
    page = await chromium.page()
    await sign_in(page, console)
    assert "/branches/brussels/" in page.url
    assert "Dashboard · brussels" in await page.inner_text("h1")
    await shot(page, "dashboard-empty")

    # Register a mentee: first too old, refused in words next to the birth date; then eligible.
    await page.goto(f"{console}/branches/brussels/mentees/new")
    await fill_person(page, "Amina", "Haddad", "amina.browser@example.org", years_ago(40),
                      [("ar", "native"), ("fr", "B1")])
    await page.check("input[name=target_sectors][value=logistics]")
    await page.select_option("#education_level", "secondary")
    await page.select_option("#migration_background", "self")
    await page.fill("#employment_service", "Actiris")
    await page.check("#employment_service_registered")
    await page.check("#right_to_work")
    await page.check("input[name=support_wanted][value=interview_practice]")
    await page.click("#register-submit")
    refusal = await page.inner_text("#birth_date-error")
    assert "18 to 33" in refusal and "40" in refusal
    assert await page.get_attribute("#birth_date", "aria-invalid") == "true"
    assert await page.input_value("#first_name") == "Amina"  # nothing typed is lost
    await shot(page, "register-refused")
    await page.fill("#birth_date", years_ago(24))
    await page.click("#register-submit")
    await page.wait_for_selector("#registered")
    assert "Amina" in await page.inner_text("#people-rows")

    # Register a mentor; the training checklist follows.
    await page.goto(f"{console}/branches/brussels/mentors/new")
    await fill_person(page, "Marc", "Dubois", "marc.browser@example.org", years_ago(63),
                      [("fr", "native"), ("ar", "B2")])
    await page.select_option("#experience_sector", "logistics")
    await page.fill("#experience_years", "30")
    await page.check("#volunteer")
    await page.check("input[name=support_offered][value=interview_practice]")
    await page.click("#register-submit")
    await page.wait_for_selector("#training")
    assert await page.inner_text("#trained-state") == "Training incomplete"
    for box in await page.query_selector_all("input[name=module]"):
        await box.check()
    await shot(page, "training")
    await page.click("#record-training")
    await expect(page.locator("#trained-state")).to_have_text("Trained")
    assert await page.locator("input[name=module]:checked").count() == 8

    # Matching: both reach matching's pool through Kafka; a round proposes the pair, with reasons.
    await page.goto(f"{console}/branches/brussels/matching")
    deadline = asyncio.get_running_loop().time() + 120  # a polling limit, not a speed requirement
    while not await page.locator("article.proposal").count():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("matching never proposed the pair (is the pool fed from Kafka?)")
        await asyncio.sleep(0.5)
        await page.click("#run-round")
        await page.wait_for_load_state()
    proposal = page.locator("article.proposal").first
    assert "Amina ↔ Marc" in await proposal.locator("h3").inner_text()
    assert "logistics" in await proposal.locator(".reasons").inner_text()
    assert float(await proposal.locator(".score").inner_text()) > 35
    await shot(page, "proposal")
    await proposal.locator("button", has_text="Accept").click()

    # The duo: followup learns of it from the duo-formed event; the page waits, then shows it.
    await page.wait_for_selector("#log-session", timeout=180_000)  # a loaded machine delays the event
    assert "Amina ↔ Marc" in await page.inner_text("h1")
    await page.fill("#session-hours", "2")
    await page.click("#log-session")
    await expect(page.locator("#hours-logged")).to_have_text("2.0")
    assert date.today().isoformat() in await page.inner_text("#sessions")
    await shot(page, "duo")

    # Figures: the duo counts, with definitions; the CSV carries the same figures.
    await page.goto(f"{console}/branches/brussels/figures")
    assert await page.inner_text("[data-figure=active_duos]") == "1"
    assert await page.inner_text("[data-figure=young_people_supported]") == "1"
    assert "Distinct mentees" in await page.inner_text("main")
    assert await page.locator("figure.chart polyline").count() == 3
    await shot(page, "figures")
    async with page.expect_download() as download_info:
        await page.click("#export-csv")
    csv_text = Path(await (await download_info.value).path()).read_text()
    assert re.search(r"^brussels,.*,active_duos,1,", csv_text, flags=re.MULTILINE), csv_text[:500]

    await page.goto(f"{console}/branches/brussels/")
    assert await page.inner_text("#duos-count") == "1"
    assert await page.inner_text("#waiting-count") == "0"  # in a duo: no longer waiting
    await shot(page, "dashboard")
    await page.goto(f"{console}/branches/brussels/notifications")
    await shot(page, "notifications")
    await page.goto(f"{console}/branches/brussels/people")
    await shot(page, "people")

    # Antwerp's coordinator: no way into Brussels, and nothing of Brussels in Antwerp.
    antwerp = await chromium.page()
    await sign_in(antwerp, console, ("antwerp",), name="Lotte")
    assert "/branches/antwerp/" in antwerp.url
    for path in ("", "people", "matching", "figures", "duos"):
        response = await antwerp.goto(f"{console}/branches/brussels/{path}")
        assert response.status == 403, path
        assert "You have no access to this branch." in await antwerp.inner_text("main")
    for path in ("people", "matching", "duos", "notifications"):
        await antwerp.goto(f"{console}/branches/antwerp/{path}")
        text = await antwerp.inner_text("main")
        assert "Amina" not in text and "Marc" not in text, path
    await antwerp.goto(f"{console}/branches/antwerp/")
    assert await antwerp.inner_text("#duos-count") == "0"
    assert await antwerp.inner_text("#waiting-count") == "0"


async def test_the_registration_form_works_by_keyboard_alone_and_every_field_has_a_label(suite, chromium):
    console = suite["console"].url
    page = await chromium.page(bypass_csp=True)  # to inject axe-core; the console itself allows no inline script
    await sign_in(page, console)
    await page.goto(f"{console}/branches/brussels/mentees/new")
    controls = await page.evaluate("""[...document.querySelectorAll('#register-form input:not([type=hidden]),'
        + ' #register-form select, #register-form button')].map(e => e.id || e.name + '=' + e.value)""")
    reached = []
    for _ in range(len(controls) + 40):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement.closest('#register-form') ? "
                                      "(document.activeElement.id || document.activeElement.name + '='"
                                      " + document.activeElement.value) : null")
        if focused and focused not in reached:
            reached.append(focused)
        if focused == "register-submit":
            break
    assert reached == controls, "Tab does not reach every field of the form in order"
    # Type into the form by keyboard: a text field, a checkbox with Space, submit with Enter.
    await page.focus("#first_name")
    await page.keyboard.type("Nadia")
    await page.focus("#consent")
    await page.keyboard.press("Space")
    assert await page.is_checked("#consent")
    await page.focus("#register-submit")
    await page.keyboard.press("Enter")
    await page.wait_for_selector(".field-error")
    assert await page.input_value("#first_name") == "Nadia"
    assert await page.locator(".field-error").count() >= 2  # each refusal next to its field
    assert await serious_violations(page) == []
    await page.goto(f"{console}/branches/brussels/mentors/new")
    assert await serious_violations(page) == []


@pytest.mark.parametrize("locale, language, words", [
    ("fr-BE", "fr", ("Tableau de bord", "Mise en duo", "Chiffres", "Personnes")),
    ("nl-BE", "nl", ("Overzicht", "Koppelen", "Cijfers", "Personen")),
    ("en-GB", "en", ("Dashboard", "Matching", "Figures", "People")),
])
async def test_every_main_page_renders_in_the_language_the_browser_asks_for(suite, chromium, locale, language, words):
    console = suite["console"].url
    page = await chromium.page(locale=locale)
    await sign_in(page, console)
    for path in PAGES:
        response = await page.goto(f"{console}/branches/brussels/{path}")
        assert response.status == 200, (language, path, response.status)
        assert await page.get_attribute("html", "lang") == language
        nav = await page.inner_text("header nav")
        assert all(word in nav for word in words), (language, path, nav)
    # The person's choice wins over the browser's.
    other = "nl" if language != "nl" else "fr"
    await page.click(f"button[name=lang][value={other}]")
    assert await page.get_attribute("html", "lang") == other
