"""Base for request bodies: unknown fields are refused, so a typo is an error, not a silent loss."""
from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
