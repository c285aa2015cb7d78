"""What we tell people, in their language. Plain text; no data beyond the recipient's first name."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


_DUO_FORMED = {
    "en": ("Your DUO has been formed",
           "Hello {name},\n\nGood news: your coordinator has formed your duo. For the next six months "
           "you will meet about two hours a week. A DUO staff member will join your first meeting and "
           "will contact you to set its date.\n\nDUO for a JOB"),
    "fr": ("Votre DUO est formé",
           "Bonjour {name},\n\nBonne nouvelle : votre coordinateur a formé votre duo. Pendant six mois, "
           "vous vous rencontrerez environ deux heures par semaine. Un membre de l'équipe DUO assistera "
           "à votre première rencontre et vous contactera pour en fixer la date.\n\nDUO for a JOB"),
    "nl": ("Jullie DUO is gevormd",
           "Hallo {name},\n\nGoed nieuws: je coördinator heeft jullie duo gevormd. De komende zes maanden "
           "ontmoeten jullie elkaar ongeveer twee uur per week. Een medewerker van DUO is bij jullie "
           "eerste ontmoeting en neemt contact op om de datum te prikken.\n\nDUO for a JOB"),
}

TEMPLATES = {"duo-formed": _DUO_FORMED}


def render(template: str, language: str, name: str) -> Message:
    """The message for `template` in `language`, English when we have no translation."""
    texts = TEMPLATES[template]
    subject, body = texts.get(language, texts["en"])
    return Message(subject=subject, body=body.format(name=name))
