from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    http_port: int = 8004
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "DUO for a JOB <no-reply@duoforajob.example>"
    smtp_timeout_seconds: float = 10.0
