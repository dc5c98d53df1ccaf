"""The sentence encoder component, built the way Rasa's graph builds it."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.sentence_encoder import EMBEDDING_DIM, SentenceEncoderFeaturizer


def test_every_tokenised_message_gets_a_sentence_vector(tmp_path):
    component = SentenceEncoderFeaturizer.create(
        SentenceEncoderFeaturizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("encoder"),
        ExecutionContext(GraphSchema({}), "test", node_name="sentence_encoder"),
    )
    message = Message(data={TEXT: "我的快递到哪了"})
    message.set(TOKENS_NAMES[TEXT], [Token("我的", 0), Token("快递", 2), Token("到", 4), Token("哪了", 5)])
    component.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sentence.features.shape == (1, EMBEDDING_DIM)
    assert sequence.features.shape == (4, EMBEDDING_DIM)
    assert {f.origin for f in message.features} == {"sentence_encoder"}  # named after its graph node
