"""Revision 0001 (2026-11-23): the backend's first schema, every table of shop_backend.models.

Created in the order of ``tables()``, dropped in reverse (servicekit.migrations).
"""

from __future__ import annotations

import sqlalchemy as sa

from servicekit import migrations
from servicekit.migrations import DATE, INT, JSON, SERIAL, WHEN, cols, optional, references, string, table

revision, down_revision, branch_labels, depends_on = "0001", None, None, None


def code_table(name: str, index: str, **own: migrations.Kind) -> migrations.Table:
    """A kind of verification code (login, phone change): its own columns, then what every code keeps."""
    code = cols(code_hash=string(64), created_at=WHEN, expires_at=WHEN, attempts=INT)
    lock = cols(locked_until=optional(WHEN), consumed_at=optional(WHEN))
    return table(name, cols(id=SERIAL, **own), code, lock, references(customer_id="customers.id"), index=[index])


def tables() -> list:
    return [
        table(
            "customers",
            cols(id=string(16), name=string(64), phone=string(20), level=string(8), created_at=WHEN),
            unique=["phone"],
        ),
        table(
            "idempotency_records",
            cols(id=SERIAL, key=string(200), scope=string(64), method=string(8), path=string(300)),
            cols(request_hash=string(64), status_code=INT, body=JSON, created_at=WHEN),
            unique=[sa.UniqueConstraint("key", "scope", name="uq_idempotency_key_scope")],
        ),
        table(
            "channel_bindings",
            cols(id=SERIAL, channel=string(16), external_id=string(128), customer_id=string(16), created_at=WHEN),
            references(customer_id="customers.id"),
            unique=[sa.UniqueConstraint("channel", "external_id", name="uq_channel_binding")],
            index=["customer_id"],
        ),
        table(
            "orders",
            cols(id=string(20), customer_id=string(16), status=string(20), total_cents=INT, created_at=WHEN),
            cols(paid_at=optional(WHEN), shipped_at=optional(WHEN), delivered_at=optional(WHEN)),
            cols(completed_at=optional(WHEN), cancelled_at=optional(WHEN), cancel_reason=optional(string(200))),
            cols(expected_ship_by=optional(WHEN), courier=optional(string(16)), tracking_no=optional(string(32))),
            cols(receiver=string(64), receiver_phone=string(20), province=string(32), city=string(32)),
            cols(detail=string(200)),
            references(customer_id="customers.id"),
            index=["tracking_no"],
            indexes={"ix_orders_customer_created": ["customer_id", "created_at"]},
        ),
        code_table("phone_change_codes", "customer_id", customer_id=string(16), new_phone=string(20)),
        table(
            "point_lots",
            cols(id=SERIAL, customer_id=string(16), points=INT, earned_on=DATE, expires_on=DATE, source=string(64)),
            references(customer_id="customers.id"),
            index=["customer_id"],
        ),
        code_table("verification_codes", "phone", phone=string(20), customer_id=string(16)),
        table(
            "after_sales",
            cols(id=string(24), order_id=string(20), customer_id=string(16), kind=string(10), reason=string(500)),
            cols(exchange_for=optional(string(200)), status=string(16), refund_amount_cents=optional(INT)),
            cols(created_at=WHEN),
            references(customer_id="customers.id", order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "invoices",
            cols(id=string(24), order_id=string(20), customer_id=string(16), title=string(200)),
            cols(tax_number=optional(string(32)), email=string(200), status=string(16), issued_at=WHEN),
            cols(reissued_at=optional(WHEN)),
            references(customer_id="customers.id", order_id="orders.id"),
            index=["customer_id", "order_id"],
        ),
        table(
            "logistics_events",
            cols(id=SERIAL, order_id=string(20), time=WHEN, location=string(64), description=string(200)),
            references(order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "order_items",
            cols(id=SERIAL, order_id=string(20), name=string(100), quantity=INT, price_cents=INT),
            references(order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "refunds",
            cols(id=SERIAL, order_id=string(20), amount_cents=INT, status=string(16), requested_at=WHEN),
            cols(expected_by=DATE, refunded_at=optional(WHEN)),
            references(order_id="orders.id"),
            index=["order_id"],
        ),
        table(
            "urges",
            cols(id=SERIAL, order_id=string(20), customer_id=string(16), created_at=WHEN),
            references(customer_id="customers.id", order_id="orders.id"),
            index=["order_id"],
        ),
    ]


upgrade, downgrade = migrations.creating(tables)
