"""GET /api/labels: the console's display labels, from the contract package."""

from __future__ import annotations

from contract import channels, delivery, tickets
from contract import handoff as contract
from handoff.settings import DEFAULT_SLA_CLASSES

from .support import SERVICE


def test_labels_for_a_logged_in_agent(env):
    response = env.login("wang").get("/api/labels")
    assert response.status_code == 200
    assert response.json() == {
        "reasons": contract.REASON_LABELS,
        "reasons_short": contract.REASON_SHORT_LABELS,
        "states": contract.STATE_LABELS,
        "dispositions": contract.DISPOSITION_LABELS,
        "roles": contract.ROLE_LABELS,
        "agent_roles": contract.AGENT_ROLE_LABELS,
        "sentiments": contract.SENTIMENT_LABELS,
        "channels": channels.CHANNEL_LABELS,
        "delivery_reasons": delivery.REASON_LABELS,
        "ticket_statuses": tickets.STATUS_LABELS,
        "sla_classes": tickets.SLA_CLASS_LABELS,
        "ticket_events": tickets.EVENT_LABELS,
        "ticket_event_details": tickets.EVENT_DETAIL_LABELS,
        "ticket_deadlines": tickets.DEADLINE_LABELS,
        "delivered_via": tickets.VIA_LABELS,
    }
    # every code the API hands out has its label
    assert set(response.json()["reasons"]) == set(response.json()["reasons_short"]) == set(contract.REASONS)
    assert set(response.json()["states"]) == set(contract.STATES)
    assert set(response.json()["dispositions"]) == set(contract.DISPOSITIONS)
    assert set(response.json()["ticket_statuses"]) == set(tickets.STATUSES)
    assert set(response.json()["ticket_events"]) == set(tickets.EVENTS)
    assert set(response.json()["delivered_via"]) == set(tickets.VIAS)
    assert set(response.json()["sla_classes"]) == set(DEFAULT_SLA_CLASSES)


def test_labels_need_a_session(env):
    for headers in ({}, SERVICE):
        response = env.client.get("/api/labels", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


def test_labels_are_in_the_openapi_document(env):
    paths = env.client.get("/openapi.json").json()["paths"]
    assert paths["/api/labels"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Labels"
    }
