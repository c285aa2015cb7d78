from pydantic import Field

from shared.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    service_name: str = "followup"
    http_port: int = 8003
    at_risk_after_days: int = Field(default=14, ge=1)
