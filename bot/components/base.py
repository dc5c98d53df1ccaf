"""How Rasa builds the project's graph components, written once.

Rasa builds a new component with `create` and a trained one with `load`, and
hands both the configuration (with the defaults of `get_default_config` merged
in) and the component's place in the graph (model storage, resource, execution
context). `ProjectComponent` implements both: they call the constructor with the
configuration and a `GraphContext`, and `load` then calls `restore` for what
`train` persisted. `with_defaults` merges the defaults where Rasa does not
(`fingerprint_addon`, components built by hand in tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


@dataclass(frozen=True)
class GraphContext:
    """Where a component lives in Rasa's graph (empty for one built by hand)."""

    model_storage: Optional[ModelStorage] = None
    resource: Optional[Resource] = None
    execution_context: Optional[ExecutionContext] = None

    def storage(self) -> Tuple[ModelStorage, Resource]:
        """The model storage and the component's resource in it, for `train` and `restore`."""
        if self.model_storage is None or self.resource is None:
            raise RuntimeError("a component built outside Rasa's graph has no model storage")
        return self.model_storage, self.resource


NO_CONTEXT = GraphContext()


class ProjectComponent(GraphComponent):
    """Base of the project's components; subclasses take `(config, context)` in their constructor."""

    @classmethod
    def with_defaults(cls, config: Optional[Dict[Text, Any]]) -> Dict[Text, Any]:
        return {**cls.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProjectComponent:
        return cls(config, GraphContext(model_storage, resource, execution_context))  # type: ignore[call-arg]

    @classmethod
    def load(cls, config: Dict[Text, Any], **graph: Any) -> ProjectComponent:
        """A trained component. Rasa passes model_storage, resource and execution_context by keyword."""
        component = cls.create(config, graph["model_storage"], graph["resource"], graph["execution_context"])
        component.restore()
        return component

    def restore(self) -> None:
        """Reads what `train` persisted; nothing by default."""
