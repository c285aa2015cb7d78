"""Every message has its templates in every language, uses only what it is given, and shows no personal
data beyond the first name; rendering is strict and falls back by language."""
from __future__ import annotations

import re

import pytest
from jinja2 import UndefinedError

from services.notify.adapters.templates import FORMATS, TemplateRenderer
from services.notify.domain.language import choose_language
from services.notify.domain.messages import MESSAGES, PERSONAL_VARIABLES, check_variables

LANGUAGES = ("fr", "nl", "en")
CONSOLE = "https://console.duo.example"
RENDERER = TemplateRenderer()
# What a message may say besides the first name: ids, dates, counts, roles, technical reasons and links.
NOT_PERSONAL = {"role", "started_on", "meeting_on", "month", "days_without_session", "last_session_on",
                "proposals", "message", "reason"}


def sample(name: str) -> dict[str, object]:
    values = {"first_name": "Amina", "role": "mentee", "started_on": "2026-03-02", "meeting_on": "2026-03-02",
              "month": 3, "days_without_session": 15, "last_session_on": None, "proposals": 4,
              "message": "check-in-due", "reason": "mail server replied 550"}
    return {v: values.get(v, f"{CONSOLE}/branches/brussels/{v}") for v in MESSAGES[name].variables}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_has_a_text_and_an_html_template_in_every_language(name):
    assert RENDERER.languages(name) >= set(LANGUAGES), f"{name} lacks a language"


@pytest.mark.parametrize("name", sorted(MESSAGES))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_templates_use_only_the_variables_their_message_is_given(name, language, fmt):
    used = RENDERER.variables_used(name, language, fmt)
    assert used <= MESSAGES[name].variables, f"{name}/{language}.{fmt} uses {sorted(used - MESSAGES[name].variables)}"
    if MESSAGES[name].reminder:
        assert "stop_url" in used, f"{name}/{language}.{fmt} does not say how to stop reminders"


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_no_message_is_given_personal_data_beyond_the_first_name(name):
    variables = MESSAGES[name].variables
    others = {v for v in variables if not v.endswith("_url")} - PERSONAL_VARIABLES
    assert others <= NOT_PERSONAL, f"{name} is given {sorted(others - NOT_PERSONAL)}"
    assert variables & PERSONAL_VARIABLES <= {"first_name"}


@pytest.mark.parametrize("name", sorted(MESSAGES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_template_renders_strictly_with_links_to_the_suite_only(name, language):
    rendered = RENDERER.render(name, language, sample(name))
    assert rendered.subject and "\n" not in rendered.subject and "{" not in rendered.subject
    for part in (rendered.text, rendered.html):
        assert "{{" not in part and "{%" not in part
        for url in re.findall(r"https?://[^\s\"<>)]+", part):
            assert url.startswith(CONSOLE), f"{name}/{language} links outside the suite: {url}"
    if MESSAGES[name].audience == "participant":
        assert "Amina" in rendered.text and "Amina" in rendered.html


def test_a_missing_variable_fails_the_rendering_instead_of_leaving_a_gap():
    variables = sample("check-in-due")
    del variables["month"]
    with pytest.raises(UndefinedError):
        RENDERER.render("check-in-due", "fr", variables)
    with pytest.raises(ValueError, match="differ"):
        check_variables(MESSAGES["check-in-due"], variables)
    with pytest.raises(ValueError, match="differ"):
        check_variables(MESSAGES["check-in-due"], {**sample("check-in-due"), "email": "a@b.example"})


def test_the_variable_check_catches_a_template_that_reads_what_it_is_not_given(tmp_path):
    (tmp_path / "mentor-trained").mkdir()
    (tmp_path / "mentor-trained" / "en.txt").write_text("Hi\n\nHello {{ first_name }} {{ last_name }}\n")
    assert TemplateRenderer(tmp_path).variables_used("mentor-trained", "en", "txt") - MESSAGES[
        "mentor-trained"].variables == {"last_name"}


def test_html_escapes_what_it_is_given():
    rendered = RENDERER.render("mentor-trained", "en", {"first_name": "<b>Amina</b>"})
    assert "<b>Amina</b>" not in rendered.html and "&lt;b&gt;Amina" in rendered.html
    assert "<b>Amina</b>" in rendered.text  # plain text is not HTML


def test_the_languages_differ_and_the_role_changes_the_text():
    texts = {lang: RENDERER.render("duo-completed", lang, {"first_name": "Amina", "role": "mentee"}).subject
             for lang in LANGUAGES}
    assert len(set(texts.values())) == 3
    mentee = RENDERER.render("duo-completed", "en", {"first_name": "A", "role": "mentee"}).text
    mentor = RENDERER.render("duo-completed", "en", {"first_name": "A", "role": "mentor"}).text
    assert mentee != mentor and "second duo" in mentor


@pytest.mark.parametrize(("preferred", "branch", "expected"), [
    ("nl", "fr", "nl"),      # the person's own language first
    ("ar", "fr", "fr"),      # no template in Arabic: the branch's working language
    ("ar", None, "en"),      # a branch without a configured language: English
    (None, "nl", "nl"),      # a coordinator: the branch's language
    ("ar", "de", "en"),      # neither available: English
])
def test_language_falls_back_to_the_branch_then_to_english(preferred, branch, expected):
    assert choose_language(preferred, branch, RENDERER.languages("duo-formed")) == expected
