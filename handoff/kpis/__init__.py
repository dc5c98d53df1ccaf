"""Supervisors' figures (handoff/API.md, "KPIs"): per-conversation facts extracted from
Rasa's tracker store (``conversations``), figures computed from them (``tracker_figures``)
and from the service's own tables (``service_figures``). Pure functions apart from the
two readers (``read_tracker_events``, ``service_figures``), so tests call them directly."""

from .figures import MAX_DAYS, TRACKER_KEYS, percentile, rate, tracker_figures
from .service_figures import service_figures
from .tracker import Conversation, TrackerUnavailable, conversations, read_tracker_events

__all__ = [
    "MAX_DAYS",
    "TRACKER_KEYS",
    "Conversation",
    "TrackerUnavailable",
    "conversations",
    "percentile",
    "rate",
    "read_tracker_events",
    "service_figures",
    "tracker_figures",
]
