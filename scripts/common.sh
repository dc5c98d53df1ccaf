# Shared by the scripts in this folder: paths and the virtual environment.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The other scripts, by absolute path: the scripts run from ROOT (cd below).
SCRIPTS="$ROOT/scripts"
# Rasa's environment (scripts/install) and the services' (scripts/install-services):
# Rasa pins pydantic v1 and SQLAlchemy 1.4, the services need v2 and 2.x.
VENV="$ROOT/.venv"
RASA="$VENV/bin/rasa"
PY="$VENV/bin/python"
SERVICES_VENV="$ROOT/.venv-services"
SERVICES_PY="$SERVICES_VENV/bin/python"
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

# Generates the missing secrets (scripts/secrets) and exports those of
# ${SECRETS_FILE:-var/secrets.env} that the environment does not set already (the
# environment wins). Every run script calls it, so the processes share one set.
load_secrets() {
  "$SCRIPTS/secrets"
  local file="${SECRETS_FILE:-var/secrets.env}" name value
  if [ -f "$file" ]; then
    while IFS='=' read -r name value; do
      [[ "$name" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
      [ -n "${!name+set}" ] || export "$name=$value"  # set, even empty: the environment wins
    done <"$file"
  fi
  # the handoff service calls Rasa's HTTP API with the same JWT secret
  if [ -n "${RASA_JWT_SECRET:-}" ]; then export HANDOFF_RASA_JWT_SECRET="${HANDOFF_RASA_JWT_SECRET:-$RASA_JWT_SECRET}"; fi
}
