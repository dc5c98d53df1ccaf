"""The false-handoff reading (evaluation/false_handoff.py) on planted parses.

The project's handoff policy with config.yml's thresholds and the project's
domain decides; only the parser is planted (a table of parse results), so each
case fixes what the trained model would have read and checks that the reading
counts it.
"""

from __future__ import annotations

from typing import Dict, List

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain

from bot.policies.handoff_policy import HandoffPolicy
from devtools.rasa_server import ROOT
from evaluation.false_handoff import (
    CONVERSATIONS,
    calm_heldout_messages,
    load_conversations,
    policy_decider,
    run,
)

CONFIG = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
POLICY_CONFIG = next(p for p in CONFIG["policies"] if p["name"].endswith("HandoffPolicy"))


@pytest.fixture(scope="module")
def decide(tmp_path_factory):
    domain = Domain.load(str(ROOT / "domain.yml"))
    config = {**HandoffPolicy.get_default_config(), **{k: v for k, v in POLICY_CONFIG.items() if k != "name"}}
    policy = HandoffPolicy.create(
        config,
        LocalModelStorage(tmp_path_factory.mktemp("policy")),
        Resource("handoff"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    return policy_decider(policy, domain)


def parsed(text: str, intent: str = "order_status", confidence: float = 0.95, negativity: float = 0.05) -> Dict:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "sentiment": {"label": "negative" if negativity >= 0.5 else "neutral", "score": negativity},
    }


CALM_FALLBACKS = POLICY_CONFIG["low_confidence_turns_calm"]
CALM_BUT_OVER_THE_BAR = POLICY_CONFIG["upset_single_threshold"] + 0.05
PLANTED = {
    "你好": parsed("你好", "greet"),
    "衣服有点小 能换吗": parsed("衣服有点小 能换吗", "exchange_goods", negativity=CALM_BUT_OVER_THE_BAR),
    "谢谢": parsed("谢谢", "thank"),
    "颜色和图片不一样": parsed("颜色和图片不一样", "complain", confidence=0.6),
    "嗯那个": parsed("嗯那个", "nlu_fallback", confidence=0.3),
    "就是那个啥": parsed("就是那个啥", "nlu_fallback", confidence=0.3),
    "查下物流": parsed("查下物流", "logistics_track"),
    "气死我了": parsed("气死我了", "complain", negativity=0.97),
    "呵呵 真快啊": parsed("呵呵 真快啊", "urge_delivery", negativity=0.2),
    "转人工": parsed("转人工", "request_human"),
    "我要投诉": parsed("我要投诉", "complain"),
}


def planted_parser(texts: List[str]) -> List[Dict]:
    return [PLANTED[text] for text in texts]


def test_calm_conversations_tripping_the_policy_count_once_each_by_cause(decide):
    conversations = {
        "calm": [
            ["你好", "查下物流", "谢谢"],  # not handed off
            ["你好", "衣服有点小 能换吗", "谢谢"],  # sentiment over the single-message bar
            ["你好", "颜色和图片不一样", "谢谢"],  # a product remark misread as a complaint
            ["嗯那个"] * CALM_FALLBACKS + ["查下物流"],  # a calm customer's fallbacks, in a row
        ],
        "upset": [],
    }
    result = run(conversations, {}, planted_parser, decide)
    calm = result["calm_conversations"]
    assert calm["count"] == 4 and calm["false_handoffs"] == 3
    assert calm["false_handoff_rate"] == pytest.approx(0.75)
    assert calm["by_cause"] == {"complain": 1, "low_confidence": 1, "upset": 1}
    assert [(e["conversation"], e["turn"]) for e in calm["false_handoff_examples"]] == [
        ("calm-2", 2),
        ("calm-3", 2),
        ("calm-4", CALM_FALLBACKS),
    ]
    # the fallbacks before the last one were clarified
    assert calm["clarifications_per_conversation"] == pytest.approx((CALM_FALLBACKS - 1) / 4)


def test_each_calm_message_alone_counts_and_fallbacks_in_a_row_need_several_messages(decide):
    conversations = {"calm": [["衣服有点小 能换吗", "嗯那个", "就是那个啥"]], "upset": []}
    result = run(conversations, {}, planted_parser, decide)
    messages = result["calm_messages"]
    assert messages["count"] == 3
    assert messages["false_handoffs"] == 1 and messages["by_cause"] == {"upset": 1}


def test_upset_conversations_count_for_recall(decide):
    conversations = {
        "calm": [],
        "upset": [["你好", "气死我了"], ["呵呵 真快啊", "查下物流"], ["我要投诉"]],
    }
    upset = run(conversations, {}, planted_parser, decide)["upset_conversations"]
    assert upset["count"] == 3 and upset["handed_off"] == 2
    assert upset["recall"] == pytest.approx(2 / 3)
    assert upset["by_cause"] == {"complain": 2}
    assert [e["conversation"] for e in upset["missed_examples"]] == ["upset-2"]


def test_held_out_messages_asking_for_a_person_or_labelled_upset_are_not_calm(decide):
    examples = [("你好", "greet"), ("转人工", "request_human"), ("我要投诉", "complain"), ("气死我了", "urge_delivery")]
    spoken = [("谢谢", "thank"), ("呵呵 真快啊", "urge_delivery")]
    sets = {"set.yml": examples, "spoken.yml": spoken}
    upset = ["气死我了", "呵呵 真快啊"]  # one in each set
    assert calm_heldout_messages(sets, upset) == {"set.yml": ["你好"], "spoken.yml": ["谢谢"]}
    conversations = {"calm": [], "upset": [], "heldout_upset_messages": upset}
    result = run(conversations, sets, planted_parser, decide)
    assert result["calm_messages"]["by_source"]["set.yml"]["count"] == 1
    assert result["calm_messages"]["by_source"]["spoken.yml"]["count"] == 1


def test_an_upset_label_that_matches_no_held_out_message_is_refused():
    with pytest.raises(ValueError, match="not in the held-out sets"):
        calm_heldout_messages({"set.yml": [("你好", "greet")]}, ["你好！"])


def test_the_held_out_conversations_are_enough_and_well_formed():
    data = load_conversations(CONVERSATIONS)
    assert len(data["calm"]) >= 100 and len(data["upset"]) >= 30
    assert all(3 <= len(turns) <= 6 for turns in data["calm"])


def test_every_message_labelled_upset_is_in_the_held_out_sets():
    from evaluation.false_handoff import NLU_SETS
    from evaluation.nlu import load_examples

    sets = {data.name: [(text, intent) for text, intent, _ in load_examples(data)] for data in NLU_SETS}
    upset = load_conversations(CONVERSATIONS)["heldout_upset_messages"]
    calm = calm_heldout_messages(sets, upset)
    asked = ("request_human", "complain")
    every = sum(intent not in asked for examples in sets.values() for _, intent in examples)
    assert sum(len(texts) for texts in calm.values()) == every - len(upset)
