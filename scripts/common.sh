# Shared by the scripts in this folder: paths and the virtual environment.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
RASA="$VENV/bin/rasa"
PY="$VENV/bin/python"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Quiet TensorFlow and SQLAlchemy start-up chatter; keep errors.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# Rasa must never phone home (no network here, and none wanted in production).
export RASA_TELEMETRY_ENABLED=false
cd "$ROOT"
mkdir -p var models

# The newest model archive, or nothing.
latest_model() { ls -t "$ROOT"/models/*.tar.gz 2>/dev/null | head -n 1 || true; }
