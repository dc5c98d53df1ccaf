"""Engines, sessions, the migrations runner and the table helpers, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from servicekit.db import make_engine, session_for
from servicekit.testing import check_downgrade_and_up_again, check_upgrade_from_empty

from .support import MIGRATIONS, Base, Child, Parent


def test_sqlite_gets_its_folder_and_enforces_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'kit.db'}"
    MIGRATIONS.upgrade(url)
    assert (tmp_path / "deep" / "er" / "kit.db").exists()
    with session_for(url) as db:
        assert db.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.add(Child(parent_id=99))
        with pytest.raises(IntegrityError):
            db.commit()


def test_upgrade_from_empty(fresh_database_url):
    check_upgrade_from_empty(fresh_database_url, MIGRATIONS, Base.metadata)


def test_downgrade_and_up_again(fresh_database_url):
    check_downgrade_and_up_again(fresh_database_url, MIGRATIONS, Base.metadata)


def test_table_helpers_make_what_the_models_say(database_url):
    engine = make_engine(database_url)
    try:
        found = inspect(engine)
        assert [c["name"] for c in found.get_columns("children")] == ["id", "parent_id", "note"]
        assert [c["nullable"] for c in found.get_columns("children")] == [False, False, True]
        assert [i["name"] for i in found.get_indexes("children")] == ["ix_children_parent_id"]
        [fk] = found.get_foreign_keys("children")
        assert (fk["referred_table"], fk["options"].get("ondelete")) == ("parents", "CASCADE")
        assert [u["column_names"] for u in found.get_unique_constraints("parents")] == [["name"]]
    finally:
        engine.dispose()


def test_session_for_disposes_its_engine(database_url):
    with session_for(database_url) as db:
        db.query(Child).delete()
        db.query(Parent).delete()
        db.add(Parent(name="a"))
        db.commit()
        parent = db.query(Parent).one()
    assert parent.id >= 1 and parent.name == "a"  # expire_on_commit=False: still readable
