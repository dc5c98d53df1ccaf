"""The handoff service's tests (scripts/test-handoff, .venv-services); Rasa's environment
leaves this folder out (servicekit.service_tests)."""

from servicekit import service_tests

collect_ignore_glob = service_tests("tests.handoff.support", globals())
