"""Column mixins for the services' SQLAlchemy models."""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column


class SerialId:
    """An autoincrementing integer key ``id``, the table's first column."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, sort_order=-10)
