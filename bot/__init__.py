"""Custom Rasa extensions of the Chinese customer-service assistant."""
