"""Value types several payloads share. Ids and coarse attributes only: no personal data."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.vocabulary import SUPPORT_KINDS

Slot = Annotated[str, StringConstraints(pattern=r"^(mon|tue|wed|thu|fri|sat|sun)-(am|pm|eve)$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
LanguageLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2", "native"]
Sector = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{1,39}$")]
PostcodeArea = Annotated[str, StringConstraints(pattern=r"^(BE|FR|NL)-[0-9A-Z]{2,3}$")]
SupportKind = Literal[SUPPORT_KINDS]
AgeBand = Annotated[str, StringConstraints(pattern=r"^\d{2}(-\d{2}|\+)$")]


class Payload(BaseModel):
    """Base of every event payload: strict, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageSkill(Payload):
    code: LanguageCode
    level: LanguageLevel


class SectorExperience(Payload):
    sector: Sector
    years: int = Field(ge=0, le=60)
