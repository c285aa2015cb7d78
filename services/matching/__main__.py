"""`python -m services.matching`: the matching service's HTTP API and Kafka consumers in one process."""
from services.matching.bootstrap import build_app
from services.matching.settings import MatchingSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = MatchingSettings()
    serve(build_app(settings), settings)
