from pydantic import Field

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8001
    # The fairness audit hides every group with fewer mentees than this (never under 5).
    fairness_minimum_cell: int = Field(default=10, ge=5)
