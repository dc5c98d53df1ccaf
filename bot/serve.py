"""Starts the Rasa server the one way (`scripts/rasa`, used by scripts/start and the tests).

`python -m bot.serve [rasa run options]` runs `rasa run` with
- `--enable-api` behind JWT (`--jwt-secret $RASA_JWT_SECRET --jwt-method HS256`): every
  call to the HTTP API needs `Authorization: Bearer <jwt>` (contract/rasa_api.py). The
  secret is put on Rasa's command line inside this process, so it never shows in `ps`.
  `--auth-token` is refused: Rasa reads it from `?token=`, which ends up in logged URLs;
- no CORS unless `RASA_CORS` lists origins (the web chat page is same-origin);
- on `RASA_INTERFACE` (default 127.0.0.1: put a reverse proxy in front) and `RASA_PORT`
  (default 5005) unless the options say otherwise;
- request bodies capped at `RASA_REQUEST_MAX_SIZE` bytes (default 1 MiB; Sanic answers 413),
- log records redacted (privacy.logs).
Without `RASA_JWT_SECRET` it does not start; in production mode (DEPLOY_MODE=production)
it also refuses demo or missing secrets of what the Rasa process uses, naming each problem.
"""

from __future__ import annotations

import os
import re
import sys
from typing import List, Mapping, Optional

from contract import deployment
from contract.rasa_api import JWT_ALGORITHM

DEFAULT_INTERFACE = "127.0.0.1"
DEFAULT_PORT = "5005"
DEFAULT_REQUEST_MAX_SIZE = str(1024 * 1024)
# The secrets the Rasa process uses: its API, the action server's token (endpoints.yml
# sends it), the event broker's key to the handoff service, the identity-token secret.
USED_SECRETS = ("RASA_JWT_SECRET", "ACTIONS_TOKEN", "HANDOFF_SERVICE_KEY", "CHANNEL_IDENTITY_SECRET")


class RefusedToStart(SystemExit):
    pass


def problems(environ: Mapping[str, str]) -> List[str]:
    """What production refuses: the secrets above, and a REST channel token that is weak when set."""
    found = deployment.secret_problems({name: environ.get(name) for name in USED_SECRETS})
    if environ.get("REST_CHANNEL_TOKEN"):
        found += deployment.secret_problems({"REST_CHANNEL_TOKEN": environ["REST_CHANNEL_TOKEN"]})
    return found


def _given(argv: List[str], option: str) -> bool:
    return any(arg == option or arg.startswith(option + "=") for arg in argv)


def rasa_arguments(argv: List[str], environ: Mapping[str, str]) -> List[str]:
    """The full `rasa run` command line (without the program name)."""
    for forbidden in ("--auth-token", "-t", "--cors", "--jwt-secret"):
        if _given(argv, forbidden):
            raise RefusedToStart(
                f"rasa: {forbidden} is not accepted here (the API uses RASA_JWT_SECRET; CORS comes from RASA_CORS)"
            )
    secret = environ.get("RASA_JWT_SECRET")
    if not secret:
        raise RefusedToStart("rasa: RASA_JWT_SECRET is not set (scripts/secrets generates it); the API stays closed")
    arguments = ["run", "--enable-api", "--jwt-secret", secret, "--jwt-method", JWT_ALGORITHM]
    origins = [origin for origin in re.split(r"[\s,]+", environ.get("RASA_CORS", "")) if origin]
    if origins:
        arguments += ["--cors", *origins]
    if not _given(argv, "--interface") and not _given(argv, "-i"):
        arguments += ["--interface", environ.get("RASA_INTERFACE") or DEFAULT_INTERFACE]
    if not _given(argv, "--port") and not _given(argv, "-p"):
        arguments += ["--port", environ.get("RASA_PORT") or DEFAULT_PORT]
    return arguments + argv


def main(argv: Optional[List[str]] = None) -> None:
    environ = os.environ
    try:
        deployment.refuse_unsafe("rasa", problems(environ))
    except deployment.UnsafeForProduction as refused:
        raise RefusedToStart(str(refused)) from None
    arguments = rasa_arguments(list(sys.argv[1:] if argv is None else argv), environ)
    # Sanic reads its settings from SANIC_* variables when Rasa creates the app.
    environ["SANIC_REQUEST_MAX_SIZE"] = environ.get("RASA_REQUEST_MAX_SIZE") or DEFAULT_REQUEST_MAX_SIZE
    from privacy.logs import install_log_redaction

    install_log_redaction()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
