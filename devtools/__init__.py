"""Helpers for the tests, benchmarks and evaluation; not imported by any running service.

- `rasa_server`: start a real `rasa run`, find a free port, the latest model
- `processes`: start a real process and wait until it serves
- `stack`: the generated secrets, environment and caller headers of a started stack
- `stats`: the percentile the reports print
- `waiting`: polling until something happened (a broken test fails after a limit)
- `socketio_client`: closing a test's socket.io client without waiting for its long-poll
- `log_audit`: the check, run last by scripts/test, that no log line holds personal data or a secret
"""
