"""Alembic: up from an empty database, the schema matches the models, down and up again."""

from __future__ import annotations

from servicekit.testing import check_downgrade_and_up_again, check_upgrade_from_empty
from shop_backend.db import MIGRATIONS
from shop_backend.models import Base


def test_upgrade_from_empty(fresh_database_url):
    check_upgrade_from_empty(fresh_database_url, MIGRATIONS, Base.metadata)


def test_downgrade_and_up_again(fresh_database_url):
    check_downgrade_and_up_again(fresh_database_url, MIGRATIONS, Base.metadata)
