"""Rendering a message from its template files: `templates/<message>/<language>.txt` and `.html`.

The first line of the text template is the subject; a blank line separates it from the body.
Variables are strict (StrictUndefined): a template that uses something it was not given fails
instead of sending a gap. HTML is escaped automatically.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORMATS = ("txt", "html")


@dataclass(frozen=True)
class Rendered:
    message: str
    language: str
    subject: str
    text: str
    html: str


class TemplateRenderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.directory = directory
        self.env = Environment(loader=FileSystemLoader(directory), undefined=StrictUndefined,
                               autoescape=select_autoescape(["html"]), keep_trailing_newline=True)

    def languages(self, message: str) -> set[str]:
        """Languages in which `message` has both its text and its HTML template."""
        found = [{p.stem for p in (self.directory / message).glob(f"*.{fmt}")} for fmt in FORMATS]
        return set.intersection(*found)

    def render(self, message: str, language: str, variables: dict[str, object]) -> Rendered:
        text = self.env.get_template(f"{message}/{language}.txt").render(variables)
        subject, _, body = text.partition("\n\n")
        html = self.env.get_template(f"{message}/{language}.html").render(variables)
        return Rendered(message=message, language=language, subject=subject.strip(), text=body.strip() + "\n", html=html)

    def variables_used(self, message: str, language: str, fmt: str) -> set[str]:
        """Every variable the template reads (from its source, without rendering it)."""
        name = f"{message}/{language}.{fmt}"
        source = self.env.loader.get_source(self.env, name)[0]
        return meta.find_undeclared_variables(self.env.parse(source))
