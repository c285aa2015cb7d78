from pydantic import Field

from shared.settings import ServiceSettings


class FollowupSettings(ServiceSettings):
    service_name: str = "followup"
    http_port: int = 8003
    duration_months: int = Field(default=6, ge=1)
    expected_hours_per_week: float = Field(default=2.0, ge=0)
    at_risk_after_days: int = Field(default=14, ge=1)
    follow_up_after_months: int = Field(default=3, ge=0)
    # How often every branch's active duos are checked for a missing session.
    at_risk_scan_seconds: float = Field(default=3600.0, gt=0)
    # How often duos are checked for a reminder that has come (first meeting, check-in, follow-up).
    reminder_scan_seconds: float = Field(default=3600.0, gt=0)
    first_meeting_notice_days: int = Field(default=2, ge=0)
