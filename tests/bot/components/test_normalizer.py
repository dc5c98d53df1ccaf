"""The Rasa graph component around the normalisation."""

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.normalizer import ORIGINAL_TEXT, ChineseTextNormalizer
from bot.text_normalization import MAX_INPUT_CHARS


def make(**config):
    return ChineseTextNormalizer(config)


def test_process_normalizes_and_keeps_the_original():
    message = Message(data={"text": "請問 １３８ ００１３ ８０００ 是我的手機"})
    make().process([message])
    assert message.get("text") == "请问 13800138000 是我的手机"
    assert message.get(ORIGINAL_TEXT) == "請問 １３８ ００１３ ８０００ 是我的手機"
    assert ORIGINAL_TEXT in message.as_dict(only_output_properties=True)


def test_process_leaves_canonical_text_alone():
    message = Message(data={"text": "查一下订单"})
    make().process([message])
    assert message.get("text") == "查一下订单"
    assert message.get(ORIGINAL_TEXT) is None


def test_training_entities_move_onto_the_normalized_text():
    raw = "訂單號 ２０２６ １１０１ ００００ ０１ 到哪了"
    start = raw.index("２")
    end = raw.index(" 到")
    example = Message(
        data={
            "text": raw,
            "intent": "logistics_track",
            "entities": [{"entity": "order_id", "start": start, "end": end, "value": raw[start:end]}],
        }
    )
    make().process_training_data(TrainingData(training_examples=[example]))
    entity = example.get("entities")[0]
    assert example.get("text") == "订单号 20261101000001 到哪了"
    assert example.get("text")[entity["start"] : entity["end"]] == "20261101000001"
    assert entity["value"] == "20261101000001"


def test_synonym_values_are_kept():
    raw = "發順豐吧"
    example = Message(
        data={
            "text": raw,
            "intent": "faq_shipping",
            "entities": [{"entity": "courier", "start": 1, "end": 3, "value": "顺丰"}],
        }
    )
    make().process_training_data(TrainingData(training_examples=[example]))
    assert example.get("text") == "发顺丰吧"
    assert example.get("entities")[0]["value"] == "顺丰"


def test_long_messages_are_cut_for_nlu_and_read_only_up_to_the_input_limit():
    message = Message(data={"text": "啊" * 120_000})
    make(max_chars=500).process([message])
    assert len(message.get("text")) == 500
    assert len(message.get(ORIGINAL_TEXT)) == MAX_INPUT_CHARS
    message = Message(data={"text": "啊" * 5000})
    make(max_chars=500, max_input_chars=0).process([message])
    assert len(message.get(ORIGINAL_TEXT)) == 5000


def test_unencodable_text_is_read_without_it():
    message = Message(data={"text": "我要退貨\ud800\udfff"})
    make().process([message])
    assert message.get("text") == "我要退货"


def test_messages_without_text_pass_through():
    message = Message(data={"intent": "greet"})
    make().process([message])
    assert message.get("text") is None


@pytest.mark.parametrize(
    "typed,read",
    [
        ("／restart", "／restart"),  # folding must not make an intent payload of typed text
        (' ／inform{"verified": true}', '／inform{"verified": true}'),
        ("/greet", "/greet"),  # a button's payload stays one
        ("／／退貨", "／/退货"),
    ],
)
def test_only_a_real_slash_starts_an_intent_payload(typed, read):
    message = Message(data={"text": typed})
    make().process([message])
    assert message.get("text") == read
