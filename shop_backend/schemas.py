"""Request and response bodies (the contract's JSON shapes)."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

PHONE = r"^1[3-9]\d{9}$"
PhoneStr = Annotated[
    str, Field(pattern=PHONE, description="Mainland mobile number, 11 digits", examples=["13800138000"])
]
CodeStr = Annotated[str, Field(pattern=r"^\d{6}$", description="The 6-digit code", examples=["123456"])]
CustomerIdStr = Annotated[
    str,
    Field(description="The customer acting; an order of anyone else is `order_not_found`", examples=["C0001"]),
]

OrderStatus = Literal[
    "pending_payment", "paid", "shipped", "delivered", "completed", "cancelled", "refunding", "refunded"
]


class Health(BaseModel):
    status: Literal["ok"] = "ok"


# ----- identity -----
class CodeRequest(BaseModel):
    phone: PhoneStr


class CodeSent(BaseModel):
    """The same for every well-formed phone, whether a code was sent or not."""

    sent: bool = True
    expires_in: int = Field(description="Seconds the code stays valid", examples=[300])
    dev_code: Optional[str] = Field(None, description="Only when SHOP_EXPOSE_CODES=true (tests) and a code was sent")

    @model_serializer(mode="wrap")
    def _without_missing_dev_code(self, handler: SerializerFunctionWrapHandler) -> dict:
        data = handler(self)
        if data.get("dev_code") is None:
            data.pop("dev_code", None)
        return data


class CodeCheck(BaseModel):
    phone: PhoneStr
    code: CodeStr


class Verified(BaseModel):
    customer_id: str
    verified: bool = True


# ----- customers -----
class Customer(BaseModel):
    id: str = Field(examples=["C0001"])
    name: str = Field(examples=["张伟"])
    phone: str = Field(examples=["13800138000"])
    phone_masked: str = Field(description="For display and logs", examples=["138****8000"])
    level: Literal["普通", "银卡", "金卡", "钻石"]
    points: int = Field(description="Current points balance", examples=[2680])


class ExpiringLot(BaseModel):
    points: int = Field(examples=[300])
    expires_on: str = Field(description="Local date, YYYY-MM-DD", examples=["2026-12-31"])


class Points(BaseModel):
    balance: int = Field(examples=[2680])
    expiring: list[ExpiringLot] = Field(description="Lots expiring soon, soonest first")


class Membership(BaseModel):
    level: str = Field(examples=["金卡"])
    benefits: list[str]
    next_level: Optional[str] = Field(description="null at the top level", examples=["钻石"])
    points_to_next: int = Field(description="0 at the top level", examples=[320])


class PasswordReset(BaseModel):
    sent_to: str = Field(examples=["138****8000"])
    channel: Literal["sms"] = "sms"


class PhoneChangeCodeRequest(BaseModel):
    new_phone: PhoneStr


class PhoneChange(BaseModel):
    new_phone: PhoneStr
    code: CodeStr


class PhoneChanged(BaseModel):
    phone: str = Field(description="The new number, masked", examples=["139****5678"])


# ----- orders -----
class Item(BaseModel):
    name: str
    quantity: int
    price: str = Field(description="Unit price, two decimals", examples=["599.00"])


class Address(BaseModel):
    receiver: str
    phone: str
    province: str
    city: str
    detail: str


class Order(BaseModel):
    id: str = Field(examples=["20261101000001"])
    customer_id: str
    status: OrderStatus
    status_text: str = Field(examples=["已发货"])
    items: list[Item]
    total: str = Field(examples=["599.00"])
    created_at: str
    paid_at: Optional[str]
    shipped_at: Optional[str]
    delivered_at: Optional[str]
    courier: Optional[str] = Field(examples=["顺丰"])
    tracking_no: Optional[str] = Field(examples=["SF1234567890123"])
    address: Address
    expected_ship_by: Optional[str] = Field(description="Promised shipping time (paid orders)")


class OrderList(BaseModel):
    orders: list[Order]


class LogisticsEvent(BaseModel):
    time: str
    location: str
    description: str


class Logistics(BaseModel):
    courier: Optional[str]
    tracking_no: Optional[str]
    status_text: str = Field(examples=["运输中"])
    events: list[LogisticsEvent] = Field(description="Newest first; empty before shipping")


class CustomerRef(BaseModel):
    customer_id: CustomerIdStr


class Urged(BaseModel):
    urged: bool = True
    expected_ship_by: Optional[str]


class CancelRequest(CustomerRef):
    reason: Optional[str] = Field(None, max_length=200)


class AddressChange(CustomerRef):
    receiver: Optional[str] = Field(None, min_length=1, max_length=64)
    phone: Optional[str] = Field(None, pattern=PHONE)
    province: Optional[str] = Field(None, min_length=1, max_length=32)
    city: Optional[str] = Field(None, min_length=1, max_length=32)
    detail: str = Field(min_length=1, max_length=200, examples=["朝阳区建国路88号"])


class ReturnRequest(CustomerRef):
    kind: Literal["return", "exchange"]
    reason: Optional[str] = Field(None, max_length=500, description="Required (`reason_required`)")
    exchange_for: Optional[str] = Field(None, max_length=200, examples=["换成L码"])


class ReturnCreated(BaseModel):
    id: str = Field(examples=["R20261123A1B2C3"])
    kind: Literal["return", "exchange"]
    status: Literal["submitted"] = "submitted"
    refund_amount: Optional[str] = Field(None, description="Returns only", examples=["599.00"])
    exchange_for: Optional[str] = None


class RefundInfo(BaseModel):
    status: Literal["processing", "refunded"]
    status_text: str = Field(examples=["退款处理中"])
    amount: str = Field(examples=["399.00"])
    expected_by: str = Field(description="Local date", examples=["2026-11-25"])


class InvoiceRequest(CustomerRef):
    title: str = Field(min_length=1, max_length=200, examples=["个人"])
    tax_number: Optional[str] = Field(None, max_length=32)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)


class InvoiceIssued(BaseModel):
    id: str = Field(examples=["INV20261123A1B2C3"])
    status: Literal["issued"] = "issued"
    email: str


class InvoiceOut(BaseModel):
    id: str = Field(examples=["INV20261123A1B2C3"])
    status: Literal["issued", "reissued"]
    title: str = Field(examples=["个人"])
    email: str = Field(examples=["zhangwei@example.com"])
    issued_at: str = Field(description="ISO 8601, +08:00", examples=["2026-11-23T18:00:00+08:00"])


class InvoiceList(BaseModel):
    invoices: list[InvoiceOut] = Field(description="Newest first; empty when none was issued")


class ReissueRequest(CustomerRef):
    email: Optional[str] = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)


class InvoiceReissued(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    status: Literal["reissued"] = "reissued"
    email: str
