"""The backend's tests (scripts/test-backend, .venv-services); Rasa's environment leaves
this folder out (servicekit.service_tests)."""

from servicekit import service_tests

collect_ignore_glob = service_tests("tests.shop_backend.support", globals())
