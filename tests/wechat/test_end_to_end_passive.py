"""WeChat → real `rasa run` → actions → backend in passive mode: the answer is in the HTTP response."""

from __future__ import annotations

import uuid

import pytest

from tests.wechat.conftest import new_fake, serve_rasa_with_wechat, user_events


@pytest.fixture(scope="module")
def wechat(model, action_url, tmp_path_factory):
    with new_fake(timeout_s=5.0) as fake:
        with serve_rasa_with_wechat(
            model,
            action_url,
            tmp_path_factory.mktemp("rasa-wechat-passive"),
            fake,
            mode="passive",
            reply_timeout_s=5.0,
            passive_budget_s=4.5,
        ) as url:
            yield fake, url


def test_passive_round_trip(wechat):
    fake, url = wechat
    customer = "o" + uuid.uuid4().hex[:27]
    result = fake.push(f"{url}/webhooks/wechat/webhook", fake.text_xml(customer, "你好"))
    assert result.reply is not None, result.deliveries
    assert "您好" in result.reply
    assert result.reply_xml["ToUserName"] == customer
    assert len(user_events(url, customer)) == 1
    assert fake.api.sends == [], "passive mode never calls the customer-service API"


def test_passive_bound_openid_order_question(wechat):
    fake, url = wechat
    result = fake.push(
        f"{url}/webhooks/wechat/webhook",
        fake.text_xml("oWECHAT_ZHANGWEI", "帮我查一下订单20261101000001的状态"),
        safe=True,
    )
    assert result.reply is not None, result.deliveries
    assert "手机号" not in result.reply
    assert "20261101000001" in result.reply and "已发货" in result.reply and "SF1234567890123" in result.reply
    assert len(user_events(url, "oWECHAT_ZHANGWEI")) == 1
