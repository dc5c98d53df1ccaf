"""membership_benefits (会员权益): the member level, its benefits and the way to the next level."""

from __future__ import annotations

from typing import List

from actions.errands.base import Errand, ErrandContext, Reply

MEMBERSHIP = "您当前是{level}会员，享有：{benefits}。"
MEMBERSHIP_NEXT = "再积 {points} 分即可升级为{next_level}会员。"


class MembershipBenefits(Errand, name="membership_benefits", label="会员权益"):
    async def do(self, ctx: ErrandContext) -> List[Reply]:
        membership = await ctx.client.membership(ctx.customer_id)
        text = MEMBERSHIP.format(
            level=membership.get("level", ""), benefits="；".join(membership.get("benefits") or [])
        )
        if membership.get("next_level") and membership.get("points_to_next") is not None:
            text += MEMBERSHIP_NEXT.format(points=membership["points_to_next"], next_level=membership["next_level"])
        return [(text, None)]
