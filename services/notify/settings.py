from pydantic import Field

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    http_port: int = 8004
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "DUO for a JOB <no-reply@duoforajob.example>"
    smtp_timeout_seconds: float = 10.0
    # Links in messages point here (the coordinators' console), never to third parties.
    console_url: str = "http://127.0.0.1:8080"
    # Coordinators' addresses per branch, as JSON: {"brussels": ["coordinator@example.org"]}. A setting for now;
    # the programme's staff directory is not part of the suite yet.
    coordinator_emails: dict[str, list[str]] = Field(default_factory=dict)
    # Delivery: how often pending messages are looked at, and how failures are retried.
    delivery_poll_seconds: float = Field(default=2.0, gt=0)
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_max_seconds: float = Field(default=900.0, gt=0)
    retry_max_attempts: int = Field(default=10, ge=1)
    # A process that claimed a message and died frees it after this long.
    claim_seconds: float = Field(default=120.0, gt=0)
    # A message whose contact has not arrived yet (its topic is read apart) waits this long for it.
    # It goes out when the contact's event comes (that event finds the message's mark): nothing polls for it.
    contact_wait_seconds: float = Field(default=3600.0, ge=0)
    # Before that, it waits this long in memory for a contact this process is about to store (the two are
    # published together): then it goes out at once, without being parked.
    contact_linger_ms: float = Field(default=200.0, ge=0, le=5000)
