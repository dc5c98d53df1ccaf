"""Reference order/account backend of the customer-service assistant.

The service the Rasa actions call (contract: ``shop_backend/CONTRACT.md``):
FastAPI over SQLAlchemy 2, SQLite by default, PostgreSQL when configured.
Run it with ``python -m shop_backend serve`` (``scripts/backend``).
"""

__version__ = "1.0.0"
