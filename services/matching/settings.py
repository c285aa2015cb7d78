from pydantic import Field

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    service_name: str = "matching"
    http_port: int = 8002
    # No pair under this score is proposed (0-100).
    minimum_score: float = Field(default=35.0, ge=0, le=100)
    # A proposal round holds its branch for at most this long, even if its process dies.
    round_lease_seconds: float = Field(default=120.0, gt=0)
