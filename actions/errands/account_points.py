"""account_points (查积分): the points balance and the points about to expire."""

from __future__ import annotations

from typing import List

from actions.common import short_date
from actions.errands.base import Errand, ErrandContext, Reply

POINTS = "您当前可用积分 {balance} 分。"
POINTS_EXPIRING = "其中 {points} 分将于 {date} 过期，记得尽快使用哦。"


class AccountPoints(Errand, name="account_points", label="查积分"):
    async def do(self, ctx: ErrandContext) -> List[Reply]:
        points = await ctx.client.points(ctx.customer_id)
        text = POINTS.format(balance=points.get("balance", 0))
        expiring = [e for e in points.get("expiring") or [] if e.get("points")]
        if expiring:
            text += POINTS_EXPIRING.format(points=expiring[0]["points"], date=short_date(expiring[0].get("expires_on")))
        return [(text, None)]
