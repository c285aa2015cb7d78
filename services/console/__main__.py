"""`python -m services.console`: the web console (no database, no broker: the four APIs only)."""
from services.console.bootstrap import build_app
from services.console.settings import ConsoleSettings
from shared.serve import serve

if __name__ == "__main__":
    settings = ConsoleSettings()
    serve(build_app(settings), settings)
