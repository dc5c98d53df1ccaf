"""Rasa graph components (referenced from config.yml by their module path)."""
