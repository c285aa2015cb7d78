"""`python -m services.notify`: the notify service's HTTP API and Kafka consumers in one process."""
from services.notify.bootstrap import build_app
from services.notify.settings import NotifySettings
from shared.serve import serve

if __name__ == "__main__":
    settings = NotifySettings()
    serve(build_app(settings), settings)
