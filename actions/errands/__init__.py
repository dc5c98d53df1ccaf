"""The errands: one module per errand, found here by looking (no list to keep).

Each module of this package that defines a subclass of `actions.errands.base.Errand`
with a `name` (given in its class line) is an errand: its slots, precheck, confirmation text, backend call and
its own Chinese sentences live there. The generic actions (actions/errand_actions.py:
action_start_errand, validate_errand_form, action_ask_confirmed, action_do_errand)
read errands only through this registry.

How to add an errand, e.g. `query_coupon` (查优惠券):

1. actions/errands/query_coupon.py: `class QueryCoupon(Errand, name="query_coupon",
   label="查优惠券", slots=(...))` (slots: what the form asks for, `"confirmed"` last when
   the customer must say yes first), `async def do(self, ctx)` returning the replies, and as
   needed `precheck(order)`, `confirmation(tracker)`, `validate_<slot>` methods and
   `action_ask_<slot>` actions for slots of its own (see `simple_ask`), its sentences
   as module constants. A backend endpoint the client does not have yet is called with
   `ctx.client.get(path, ...)` / `ctx.client.post(path, body, ctx.key)`.
2. nlu_data/nlu/<file>.yml: examples of the intent `query_coupon`.
3. nlu_data/rules.yml: `start the errand query_coupon` (intent → action_start_errand),
   as the other errands have it.
4. domain.yml: the intent; any new slot (custom mapping or from_text while
   `requested_slot` is it) and its place in `errand_form.required_slots`; any new
   `action_ask_<slot>`.

Then retrain (scripts/train). tests/actions/inprocess/test_registry.py checks that the
errand's intent, slots and asks are declared in domain.yml and that a rule starts it;
worth adding: its rows in the tables of tests/actions/inprocess/ and an end-to-end
case in tests/actions/test_errand_actions.py.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Callable, Dict, List, Optional, Tuple

from actions import texts
from actions.errands.base import COMMON_STATE_SLOTS, CONFIRMED, Errand


def _discover() -> Dict[str, Errand]:
    found: Dict[str, Errand] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Errand) and cls.__module__ == module.__name__ and cls.name:
                if cls.name in found:
                    raise RuntimeError(f"two errands are called {cls.name}")
                found[cls.name] = cls()
    return found


ERRANDS: Dict[str, Errand] = _discover()
ERRAND_INTENTS: Tuple[str, ...] = tuple(ERRANDS)
_UNKNOWN = Errand()

# Every slot an errand sets, cleared when an errand starts or ends (order_id stays as context).
ERRAND_STATE: Tuple[str, ...] = tuple(
    dict.fromkeys(
        [CONFIRMED]
        + [slot for errand in ERRANDS.values() for slot in errand.slots if slot != "order_id"]
        + list(COMMON_STATE_SLOTS)
        + [slot for errand in ERRANDS.values() for slot in errand.state_slots]
    )
)
# What every intent is called (clarification buttons, the agent's summary).
INTENT_LABELS: Dict[str, str] = {**texts.OTHER_INTENT_LABELS, **{name: e.label for name, e in ERRANDS.items()}}


def errand_named(name: Optional[str]) -> Errand:
    """The errand of this intent; an errand that needs and does nothing for an unknown name."""
    return ERRANDS.get(name or "", _UNKNOWN)


def slot_validator(slot: str) -> Optional[Callable[..., Any]]:
    """The errand's `validate_<slot>` of a slot that an errand owns."""
    for errand in ERRANDS.values():
        if slot in errand.slots:
            method = getattr(errand, f"validate_{slot}", None)
            if method is not None:
                return method
    return None


def owned_slots() -> List[str]:
    """Slots some errand validates itself."""
    return [slot for errand in ERRANDS.values() for slot in errand.slots if hasattr(errand, f"validate_{slot}")]


__all__ = ["ERRANDS", "ERRAND_INTENTS", "ERRAND_STATE", "INTENT_LABELS", "Errand", "errand_named", "slot_validator"]
