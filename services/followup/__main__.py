"""`python -m services.followup`: the followup service's HTTP API and Kafka consumers in one process."""
from services.followup.bootstrap import build_app
from services.followup.settings import FollowupSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = FollowupSettings()
    serve(build_app(settings), settings)
