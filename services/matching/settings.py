from pydantic import Field

from shared.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    service_name: str = "matching"
    http_port: int = 8002
    # No pair under this score is proposed (0-100).
    minimum_score: float = Field(default=35.0, ge=0, le=100)
    # Per-branch score weights, e.g. DUO_BRANCH_WEIGHTS='{"paris": {"sector": 40, "distance": 20}}';
    # unnamed components keep their default weight.
    branch_weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    # A proposal round holds its branch for at most this long, even if its process dies.
    round_lease_seconds: float = Field(default=120.0, gt=0)
