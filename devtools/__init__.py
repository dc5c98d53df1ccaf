"""Helpers for the tests, benchmarks and evaluation: start a real `rasa run`, find a free port, the latest model.

Not imported by any running service.
"""
