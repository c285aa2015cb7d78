"""`python -m services.intake`: the intake service's HTTP API and Kafka consumers in one process."""
from services.intake.bootstrap import build_app
from services.intake.settings import IntakeSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = IntakeSettings()
    serve(build_app(settings), settings)
