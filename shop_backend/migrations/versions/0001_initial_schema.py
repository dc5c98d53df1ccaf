"""The backend's first schema: every table of shop_backend.models (revision 0001, 2026-11-23).

The tables are described once (``tables()``) with servicekit's helpers; upgrade creates
them in this order, downgrade drops them in reverse.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicekit.migrations import columns, create_tables, drop_tables, references, serial_id, strings, table

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def _code_columns(when: sa.DateTime) -> list:
    """What the two kinds of verification code (login, phone change) both keep."""
    return [
        *strings(code_hash=64),
        *columns(when, "created_at", "expires_at"),
        *columns(sa.Integer(), "attempts"),
        *columns(when, "locked_until", "consumed_at", nullable=True),
    ]


def tables() -> list:
    when, number = sa.DateTime(), sa.Integer()
    return [
        table(
            "customers",
            strings(id=16, name=64, phone=20, level=8),
            columns(when, "created_at"),
            unique=["phone"],
        ),
        table(
            "idempotency_records",
            serial_id(),
            strings(key=200, scope=64, method=8, path=300, request_hash=64),
            columns(number, "status_code"),
            columns(sa.JSON(), "body"),
            columns(when, "created_at"),
            unique=[sa.UniqueConstraint("key", "scope", name="uq_idempotency_key_scope")],
        ),
        table(
            "channel_bindings",
            serial_id(),
            strings(channel=16, external_id=128, customer_id=16),
            columns(when, "created_at"),
            references(customer_id="customers.id"),
            unique=[sa.UniqueConstraint("channel", "external_id", name="uq_channel_binding")],
            index=["customer_id"],
        ),
        table(
            "orders",
            strings(id=20, customer_id=16, status=20),
            columns(number, "total_cents"),
            columns(when, "created_at"),
            columns(when, "paid_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at", nullable=True),
            strings(cancel_reason=200, nullable=True),
            columns(when, "expected_ship_by", nullable=True),
            strings(courier=16, tracking_no=32, nullable=True),
            strings(receiver=64, receiver_phone=20, province=32, city=32, detail=200),
            references(customer_id="customers.id"),
            index=["tracking_no"],
            indexes={"ix_orders_customer_created": ["customer_id", "created_at"]},
        ),
        table(
            "phone_change_codes",
            serial_id(),
            strings(customer_id=16, new_phone=20),
            _code_columns(when),
            references(customer_id="customers.id"),
            index=["customer_id"],
        ),
        table(
            "point_lots",
            serial_id(),
            strings(customer_id=16),
            columns(number, "points"),
            columns(sa.Date(), "earned_on", "expires_on"),
            strings(source=64),
            references(customer_id="customers.id"),
            index=["customer_id"],
        ),
        table(
            "verification_codes",
            serial_id(),
            strings(phone=20, customer_id=16),
            _code_columns(when),
            references(customer_id="customers.id"),
            index=["phone"],
        ),
        table(
            "after_sales",
            strings(id=24, order_id=20, customer_id=16, kind=10, reason=500),
            strings(exchange_for=200, nullable=True),
            strings(status=16),
            columns(number, "refund_amount_cents", nullable=True),
            columns(when, "created_at"),
            references(customer_id="customers.id", order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "invoices",
            strings(id=24, order_id=20, customer_id=16, title=200),
            strings(tax_number=32, nullable=True),
            strings(email=200, status=16),
            columns(when, "issued_at"),
            columns(when, "reissued_at", nullable=True),
            references(customer_id="customers.id", order_id="orders.id"),
            index=["customer_id", "order_id"],
        ),
        table(
            "logistics_events",
            serial_id(),
            strings(order_id=20),
            columns(when, "time"),
            strings(location=64, description=200),
            references(order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "order_items",
            serial_id(),
            strings(order_id=20, name=100),
            columns(number, "quantity", "price_cents"),
            references(order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "refunds",
            serial_id(),
            strings(order_id=20),
            columns(number, "amount_cents"),
            strings(status=16),
            columns(when, "requested_at"),
            columns(sa.Date(), "expected_by"),
            columns(when, "refunded_at", nullable=True),
            references(order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "urges",
            serial_id(),
            strings(order_id=20, customer_id=16),
            columns(when, "created_at"),
            references(customer_id="customers.id", order_id="orders.id"),
            index=["order_id"],
        ),
    ]


def upgrade() -> None:
    create_tables(tables())


def downgrade() -> None:
    drop_tables(tables())
