"""Dialogue policies of the assistant (registered Rasa graph components)."""
