"""Business vocabulary: statuses, membership levels, masking, money."""

from __future__ import annotations

from privacy import mask_text

STATUS_TEXT = {
    "pending_payment": "待付款",
    "paid": "已付款待发货",
    "shipped": "已发货",
    "delivered": "已签收",
    "completed": "已完成",
    "cancelled": "已取消",
    "refunding": "退款中",
    "refunded": "已退款",
}
NOT_SHIPPED = ("pending_payment", "paid")
SHIPPED = ("shipped", "delivered")  # cancel/address: order_already_shipped
RETURNABLE = ("delivered", "completed")  # delivered to the customer, no refund running

REFUND_TEXT = {"processing": "退款处理中", "refunded": "已退款"}

# Level → (points needed, benefits). The level is stored on the customer; the
# thresholds only say how far the next level is.
LEVELS: dict[str, tuple[int, list[str]]] = {
    "普通": (0, ["积分兑换", "生日优惠券"]),
    "银卡": (1000, ["积分兑换", "生日优惠券", "每月95折券1张"]),
    "金卡": (2000, ["积分兑换", "生日双倍积分", "每月9折券2张", "免费退换货运费险"]),
    "钻石": (3000, ["积分兑换", "生日三倍积分", "每月85折券3张", "免费退换货运费险", "专属客服通道", "优先发货"]),
}
LEVEL_ORDER = list(LEVELS)

CHANNELS = ("web", "wechat")


def mask_phone(phone: str) -> str:
    """13800138000 → 138****8000 (the only form of a phone number in logs), by privacy.mask_text;
    a value that is no phone number it recognises is masked whole."""
    masked = mask_text(phone)
    return masked if masked != phone else "*" * len(phone)


def money(cents: int) -> str:
    """39900 → "399.00"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
