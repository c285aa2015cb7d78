from pydantic import Field, model_validator

from shared.settings import WebSettings

LOCAL_SESSION_SECRET = "local-console-session-secret-change-me-in-production"


class ConsoleSettings(WebSettings):
    service_name: str = "console"
    http_port: int = 8000
    # The four APIs the console reads and changes everything through.
    intake_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    followup_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    api_timeout_seconds: float = Field(default=15.0, gt=0)
    # The branches the console shows only while intake's branch list cannot be read (intake is the source).
    branches: list[str] = ["brussels", "antwerp", "ghent", "liege", "paris", "lille", "marseille", "lyon",
                           "amsterdam", "rotterdam"]
    session_secret: str = LOCAL_SESSION_SECRET
    session_hours: int = Field(default=8, ge=1, le=24)
    # OpenID Connect (production sign-in): the organisation's identity provider.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_url: str = ""  # e.g. https://console.example.org/sign-in/callback
    oidc_scopes: str = "openid profile email"
    oidc_role_claim: str = "duo_role"  # "coordinator" or "national"
    oidc_branches_claim: str = "duo_branches"  # a list, or a space- or comma-separated string

    @property
    def api_urls(self) -> dict[str, str]:
        return {"intake": self.intake_url, "matching": self.matching_url, "followup": self.followup_url,
                "notify": self.notify_url}

    @property
    def dev_sign_in(self) -> bool:
        return self.environment != "production"

    @model_validator(mode="after")
    def _session_secret(self) -> "ConsoleSettings":
        if self.environment == "production" and (
                self.session_secret == LOCAL_SESSION_SECRET or len(self.session_secret) < 32):
            raise ValueError("DUO_SESSION_SECRET must be set to a secret of at least 32 characters in production")
        return self
