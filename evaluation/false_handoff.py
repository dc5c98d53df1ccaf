"""False-handoff reading: how often a calm customer would be handed to a person.

    python -m evaluation.false_handoff [--model models/x.tar.gz] [--conversations evaluation/heldout_conversations.yml]
                                       [--out evaluation/reports]

(scripts/evaluate runs it after the NLU report.) Every message is parsed by the
trained model (the graph `rasa run` serves: intent, FallbackClassifier, sentiment)
and the handoff policy of that model (bot/policies/handoff_policy.py with the
model's thresholds) decides on a tracker built from the parsed messages, turn by
turn, the way it does in a served conversation.

Figures (printed, and written to evaluation/reports/false_handoff.json):
- calm conversations (heldout_conversations.yml): the share handed to a person,
  by cause — sentiment (`upset`), a misread complaint or request for a person,
  two fallbacks in a row (`low_confidence`);
- calm messages: every calm message alone (the held-out NLU sets without
  request_human, complain and the messages listed as upset, and every turn of
  the calm conversations), by cause;
- upset conversations: the share handed to a person (recall), by cause.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

from contract import handoff as reasons
from devtools.rasa_server import ROOT

CONVERSATIONS = ROOT / "evaluation" / "heldout_conversations.yml"
NLU_SETS = [ROOT / "evaluation" / "heldout_nlu.yml", ROOT / "evaluation" / "heldout_spoken_nlu.yml"]
REPORT_DIR = ROOT / "evaluation" / "reports"
REPORT_NAME = "false_handoff.json"
# Held-out intents whose customer asked for a person: handing them off is right.
ASKED_FOR_A_PERSON = {reasons.REQUEST_HUMAN, reasons.COMPLAIN}
ACTION_HANDOFF = "action_handoff"
ACTION_CLARIFY = "action_clarify_intent"
SHOWN_EXAMPLES = 30

Parse = Dict[str, Any]
# (the parsed customer turns so far, whether the policy clarified each) → (action or None, handoff trigger)
Decide = Callable[[List[Parse], List[bool]], Tuple[Optional[str], Optional[Dict[str, Any]]]]


@dataclass
class Outcome:
    """What the policy did with one conversation: the first handoff (if any) and the clarifications."""

    name: str
    texts: List[str]
    handoff_turn: Optional[int] = None  # 0-based index of the customer turn that was handed off
    trigger: Optional[Dict[str, Any]] = None
    clarifications: int = 0
    readings: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def handed_off(self) -> bool:
        return self.handoff_turn is not None

    @property
    def cause(self) -> Optional[str]:
        return self.trigger["reason"] if self.trigger else None


# ---------------------------------------------------------------------- the held-out material
def load_conversations(path: Path = CONVERSATIONS) -> Dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for mood in ("calm", "upset"):
        for number, turns in enumerate(data[mood], start=1):
            if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
                raise ValueError(f"{path}: {mood} conversation {number} needs non-empty text turns")
    return data


def calm_heldout_messages(
    sets: Mapping[str, Sequence[Tuple[str, str]]], upset_texts: Iterable[str]
) -> Dict[str, List[str]]:
    """Per set, the texts of (text, intent) examples whose customer neither asked for a
    person nor is upset.

    Every listed upset text must be in one of the sets: a typo would silently
    count an upset message as calm."""
    upset = set(upset_texts)
    unknown = upset - {text for examples in sets.values() for text, _ in examples}
    if unknown:
        raise ValueError(f"heldout_upset_messages not in the held-out sets: {sorted(unknown)}")
    return {
        name: [text for text, intent in examples if intent not in ASKED_FOR_A_PERSON and text not in upset]
        for name, examples in sets.items()
    }


# ---------------------------------------------------------------------- the policy's decisions
def policy_decider(policy: Any, domain: Any) -> Decide:
    """The policy's decision after the latest of a conversation's parsed customer messages.

    The tracker holds what a served conversation holds at that point: for every
    customer turn action_listen and the parsed message, and after a turn the
    policy clarified, action_clarify_intent (the bot's other replies do not
    change the policy's reading)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def decide(parses: List[Parse], clarified: List[bool]) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
        events: List[Any] = []
        for parse, was_clarified in zip(parses, clarified):
            events += [
                ActionExecuted(ACTION_LISTEN_NAME),
                UserUttered(parse.get("text"), parse.get("intent"), parse.get("entities") or [], parse),
            ]
            if was_clarified:
                events.append(ActionExecuted(ACTION_CLARIFY))
        tracker = DialogueStateTracker.from_events("false-handoff", events, slots=domain.slots)
        prediction = policy.predict_action_probabilities(tracker, domain)
        best = max(prediction.probabilities)
        if best == 0:
            return None, None
        action = domain.action_names_or_texts[prediction.probabilities.index(best)]
        trigger = next(
            (e.value for e in prediction.optional_events if isinstance(e, SlotSet) and e.key == "handoff_trigger"),
            None,
        )
        return action, trigger

    return decide


def replay(name: str, texts: Sequence[str], parses: Sequence[Parse], decide: Decide) -> Outcome:
    """Feeds a conversation's parsed turns to the policy until it hands off."""
    outcome = Outcome(name, list(texts))
    clarified: List[bool] = []
    for index, parse in enumerate(parses):
        outcome.readings.append(reading_of(parse))
        action, trigger = decide(list(parses[: index + 1]), clarified[:index] + [False])
        if action == ACTION_HANDOFF:
            outcome.handoff_turn, outcome.trigger = index, trigger or {"reason": "unknown"}
            break
        clarified.append(action == ACTION_CLARIFY)
        outcome.clarifications += action == ACTION_CLARIFY
    return outcome


def reading_of(parse: Parse) -> Dict[str, Any]:
    intent = parse.get("intent") or {}
    sentiment = parse.get("sentiment") or {}
    return {
        "intent": intent.get("name"),
        "confidence": round(float(intent.get("confidence") or 0.0), 3),
        "negativity": sentiment.get("score"),
    }


# ---------------------------------------------------------------------- figures
def share(outcomes: Sequence[Outcome]) -> Dict[str, Any]:
    handed = [o for o in outcomes if o.handed_off]
    return {
        "count": len(outcomes),
        "handed_off": len(handed),
        "rate": len(handed) / len(outcomes) if outcomes else None,
        "by_cause": dict(sorted(Counter(o.cause for o in handed).items())),
    }


def example(outcome: Outcome, mask: Callable[[str], str]) -> Dict[str, Any]:
    """The turn handed off, or for a conversation kept, its most negative turn."""
    turn = outcome.handoff_turn
    if turn is None:
        turn = max(range(len(outcome.readings)), key=lambda i: outcome.readings[i]["negativity"] or 0.0)
    return {
        "conversation": outcome.name,
        "turn": turn + 1,
        "text": mask(outcome.texts[turn]),
        "cause": outcome.cause,
        "trigger_reading": (outcome.trigger or {}).get("reading"),
        "parse": outcome.readings[turn],
    }


def report(
    calm: Sequence[Outcome],
    upset: Sequence[Outcome],
    messages: Mapping[str, Sequence[Outcome]],
    mask: Callable[[str], str] = lambda text: text,
) -> Dict[str, Any]:
    """The figures of the reading from the outcomes (pure: the tests plant outcomes here)."""
    all_messages = [o for group in messages.values() for o in group]
    calm_figures = share(calm)
    message_figures = share(all_messages)
    upset_figures = share(upset)
    return {
        "calm_conversations": {
            "count": calm_figures["count"],
            "false_handoffs": calm_figures["handed_off"],
            "false_handoff_rate": calm_figures["rate"],
            "by_cause": calm_figures["by_cause"],
            "clarifications_per_conversation": (sum(o.clarifications for o in calm) / len(calm) if calm else None),
            "false_handoff_examples": [example(o, mask) for o in calm if o.handed_off][:SHOWN_EXAMPLES],
        },
        "calm_messages": {
            "count": message_figures["count"],
            "false_handoffs": message_figures["handed_off"],
            "false_handoff_rate": message_figures["rate"],
            "by_cause": message_figures["by_cause"],
            "by_source": {source: share(group) for source, group in messages.items()},
            "false_handoff_examples": [example(o, mask) for o in all_messages if o.handed_off][:SHOWN_EXAMPLES],
        },
        "upset_conversations": {
            "count": upset_figures["count"],
            "handed_off": upset_figures["handed_off"],
            "recall": upset_figures["rate"],
            "by_cause": upset_figures["by_cause"],
            "missed_examples": [example(o, mask) for o in upset if not o.handed_off][:SHOWN_EXAMPLES],
        },
    }


def run(
    conversations: Dict[str, Any],
    nlu_examples: Dict[str, List[Tuple[str, str]]],
    parse_all: Callable[[List[str]], List[Parse]],
    decide: Decide,
    mask: Callable[[str], str] = lambda text: text,
) -> Dict[str, Any]:
    """Parses everything once, replays every conversation and message, returns report()."""
    calm_messages = calm_heldout_messages(nlu_examples, conversations.get("heldout_upset_messages") or [])
    calm_messages["heldout_conversations.yml (each calm turn alone)"] = [t for c in conversations["calm"] for t in c]
    texts = sorted(
        {t for mood in ("calm", "upset") for c in conversations[mood] for t in c}
        | {t for group in calm_messages.values() for t in group}
    )
    parsed = dict(zip(texts, parse_all(texts)))

    def conversation_outcomes(mood: str) -> List[Outcome]:
        return [
            replay(f"{mood}-{number}", turns, [parsed[t] for t in turns], decide)
            for number, turns in enumerate(conversations[mood], start=1)
        ]

    messages = {
        source: [replay(f"{source}#{i + 1}", [t], [parsed[t]], decide) for i, t in enumerate(group)]
        for source, group in calm_messages.items()
    }
    return report(conversation_outcomes("calm"), conversation_outcomes("upset"), messages, mask)


# ---------------------------------------------------------------------- the trained model
def handoff_policy_of(agent: Any) -> Any:
    """The model's HandoffPolicy, built from the configuration the model was trained with."""
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.policies.handoff_policy import HandoffPolicy

    schema = agent.processor.model_metadata.predict_schema
    node_name, node = next((n, s) for n, s in schema.nodes.items() if s.uses is HandoffPolicy)
    config = {**HandoffPolicy.get_default_config(), **node.config}
    # The policy persists nothing (its thresholds are the model): the storage stays empty.
    with tempfile.TemporaryDirectory() as empty:
        return HandoffPolicy.create(
            config, LocalModelStorage(Path(empty)), Resource(node_name), ExecutionContext(schema, "false-handoff")
        )


def load_agent(model: Path) -> Any:
    from rasa.core.agent import Agent

    return Agent.load(str(model))


def print_report(result: Dict[str, Any], model: Path) -> None:
    calm, messages, upset = result["calm_conversations"], result["calm_messages"], result["upset_conversations"]
    print(f"model: {model.name}  thresholds: {result['thresholds']}")
    print(
        f"\nfalse handoffs per calm conversation  {calm['false_handoff_rate']:.3f}"
        f"  ({calm['false_handoffs']}/{calm['count']})  by cause {calm['by_cause']}"
    )
    print(f"clarifications per calm conversation  {calm['clarifications_per_conversation']:.2f}")
    print(
        f"false handoffs per calm message       {messages['false_handoff_rate']:.3f}"
        f"  ({messages['false_handoffs']}/{messages['count']})  by cause {messages['by_cause']}"
    )
    for source, figures in messages["by_source"].items():
        print(f"  {source:<52}{figures['rate']:.3f}  ({figures['handed_off']}/{figures['count']})")
    print(
        f"upset-conversation recall             {upset['recall']:.3f}"
        f"  ({upset['handed_off']}/{upset['count']})  by cause {upset['by_cause']}"
    )
    for title, key, examples in (
        ("calm conversations handed off", "false_handoff_examples", calm),
        ("calm messages handed off", "false_handoff_examples", messages),
        ("upset conversations kept", "missed_examples", upset),
    ):
        if examples[key]:
            print(f"\n{title}:")
        for e in examples[key]:
            parse = e["parse"] or {}
            print(
                f"  {e['conversation']:<16} turn {e['turn']}  {e['cause'] or '-':<15}"
                f" {parse.get('intent')} {parse.get('confidence')} neg {parse.get('negativity')}  {e['text'][:40]}"
            )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="model archive (default: newest in models/)")
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report folder")
    # scripts/evaluate hands both readings the same options: the NLU report's --data is not ours
    args, _ = parser.parse_known_args(argv)

    from evaluation.nlu import latest_model, load_examples
    from privacy.masking import mask_text

    model = args.model or latest_model()
    agent = load_agent(model)
    policy = handoff_policy_of(agent)
    nlu_examples = {data.name: [(text, intent) for text, intent, _ in load_examples(data)] for data in NLU_SETS}

    def parse_all(texts: List[str]) -> List[Parse]:
        async def parse() -> List[Parse]:
            return [await agent.parse_message(text) for text in texts]

        return asyncio.run(parse())

    decide = policy_decider(policy, agent.domain)
    result = run(load_conversations(args.conversations), nlu_examples, parse_all, decide, mask_text)
    thresholds = {k: v for k, v in policy.config.items() if k not in ("priority", "priority_levels")}
    result = {"model": model.name, "thresholds": thresholds, **result}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / REPORT_NAME).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(result, model)
    print(f"\nreport: {args.out / REPORT_NAME}")


if __name__ == "__main__":
    main()
