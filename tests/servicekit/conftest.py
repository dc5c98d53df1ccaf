"""Tests of servicekit, the services' shared kit (.venv-services); Rasa's environment leaves
this folder out (servicekit.service_tests)."""

from servicekit import service_tests

collect_ignore_glob = service_tests("tests.servicekit.support", globals())
