from pydantic import Field, model_validator

from shared.settings import ServiceSettings

LOCAL_IDENTITY_KEY = "local-identity-key-change-me-in-production"


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8001
    # The fairness audit hides every group with fewer mentees than this (never under 5).
    fairness_minimum_cell: int = Field(default=10, ge=5)
    # Key of the hashes that find a person registered twice (domain/identity.py). Changing it makes every
    # stored key unfindable: set it once per deployment.
    identity_key: str = LOCAL_IDENTITY_KEY

    @model_validator(mode="after")
    def _identity_key(self) -> "IntakeSettings":
        if self.environment == "production" and (self.identity_key == LOCAL_IDENTITY_KEY or len(self.identity_key) < 32):
            raise ValueError("DUO_IDENTITY_KEY must be set to a secret of at least 32 characters in production "
                             "(it is missing or left at its local default)")
        return self
