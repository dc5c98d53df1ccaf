"""The sentiment component: loading code, the reading, persistence in a real `rasa train`.

These tests build a tiny checkpoint (random weights, the project's tokenizer
format) so that they check the plumbing quickly; how well the project's trained
checkpoint reads customers is measured by scripts/evaluate-sentiment.
"""

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.sentiment import SENTIMENT, SentimentAnalyzer
from bot.sentiment.model import LABELS, CheckpointError, SentimentModel
from bot.sentiment.train import TrainingConfig, build_vocabulary, make_model, make_tokenizer
from devtools.rasa_server import ROOT

TINY = TrainingConfig(hidden_size=32, layers=1, heads=2, intermediate_size=64, max_length=32)
TEXTS = ["我要投诉你们", "谢谢你们", "衣服有点小", "订单到哪了", "hello 😡!!!"]


def tiny_checkpoint(directory: Path, labels=LABELS) -> Path:
    tokenizer = make_tokenizer(build_vocabulary(TEXTS, 1), directory, TINY.max_length)
    make_model(TINY, len(tokenizer.get_vocab()), labels).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return tiny_checkpoint(tmp_path_factory.mktemp("sentiment-checkpoint"))


def test_reading_has_label_and_negative_probability(checkpoint):
    readings = SentimentModel.load(checkpoint).predict(["你们这服务太差了！！！", "谢谢"])
    for reading in readings:
        assert reading["label"] in LABELS
        assert 0.0 <= reading["score"] <= 1.0


def test_empty_and_huge_messages(checkpoint):
    model = SentimentModel.load(checkpoint, max_length=TINY.max_length)
    empty, blank, huge = model.predict(["", " \n\t", "气死了" * 3000])
    assert empty == blank == {"label": "neutral", "score": 0.0}
    assert huge["label"] in LABELS


def test_user_checkpoint_with_its_own_label_order(tmp_path):
    # A pretrained Chinese model fine-tuned elsewhere may order (and name) its
    # classes differently: the score must follow the class called "negative".
    directory = tiny_checkpoint(tmp_path, labels=("POSITIVE", "Negative", "neutral", "other"))
    model = SentimentModel.load(directory)
    assert model.negative_index == 1
    reading = model.predict(["退钱"])[0]
    assert reading["label"] in LABELS


def test_checkpoint_without_a_negative_class_is_refused(tmp_path):
    with pytest.raises(CheckpointError):
        SentimentModel.load(tiny_checkpoint(tmp_path, labels=("bad", "good")))
    with pytest.raises(CheckpointError):
        SentimentModel.load(tmp_path / "nothing-here")


def test_component_adds_the_reading_to_every_message(checkpoint):
    component = SentimentAnalyzer({"model_dir": str(checkpoint)}, model=SentimentModel.load(checkpoint))
    messages = [Message(data={"text": text}) for text in ["", "我要投诉", "啊" * 6000]]
    component.process(messages)
    for message in messages:
        assert message.as_dict(only_output_properties=True)[SENTIMENT]["label"] in LABELS


def test_rasa_train_persists_the_checkpoint_in_the_archive(checkpoint, tmp_path):
    """`rasa train nlu` copies the checkpoint into the archive; the archive loads without it."""
    source = shutil.copytree(checkpoint, tmp_path / "source")
    config = tmp_path / "config.yml"
    config.write_text(
        "recipe: default.v1\nlanguage: zh\nassistant_id: sentiment-test\npipeline:\n"
        "  - name: bot.components.normalizer.ChineseTextNormalizer\n"
        "  - name: JiebaTokenizer\n"
        "  - name: KeywordIntentClassifier\n"
        "  - name: bot.components.sentiment.SentimentAnalyzer\n"
        f"    model_dir: {source}\n"
        f"    max_length: {TINY.max_length}\n"
        "policies: []\n",
        encoding="utf-8",
    )
    data = tmp_path / "nlu.yml"
    data.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: complain\n  examples: |\n    - 我要投诉\n    - 服务太差了\n"
        "- intent: thank\n  examples: |\n    - 谢谢\n    - 感谢\n",
        encoding="utf-8",
    )
    rasa = Path(sys.executable).parent / "rasa"

    def train(name):
        result = subprocess.run(
            [
                str(rasa),
                "train",
                "nlu",
                "--config",
                str(config),
                "--nlu",
                str(data),
                "--out",
                str(tmp_path / "models"),
                "--fixed-model-name",
                name,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    train("m")
    train("again")  # nothing changed: Rasa restores the component from its cache
    shutil.rmtree(source)  # the served model must not need the source folder

    from rasa.core.agent import Agent

    agent = Agent.load(str(tmp_path / "models" / "m.tar.gz"))
    parsed = asyncio.run(agent.parse_message("你们这服务太差了，我要投诉！！！"))
    assert parsed[SENTIMENT]["label"] in LABELS
    assert 0.0 <= parsed[SENTIMENT]["score"] <= 1.0
    empty = asyncio.run(agent.parse_message(""))
    assert empty[SENTIMENT] == {"label": "neutral", "score": 0.0}
