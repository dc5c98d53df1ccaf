"""Rasa event brokers (referenced from endpoints.yml by their module path)."""
