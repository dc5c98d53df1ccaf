"""The error envelope, the service-key dependency, the common settings and the app scaffolding."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

from contract.http import SERVICE_KEY_HEADER
from servicekit.app import service_app
from servicekit.deps import service_key_dependency
from servicekit.errors import ApiError, error_responses
from servicekit.settings import ROOT, ServiceSettings


class KitSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KIT_", extra="ignore")
    database_file = "kit.db"


class Body(BaseModel):
    phone: str


@pytest.fixture
def client(tmp_path):
    settings = KitSettings(database_url=f"sqlite:///{tmp_path / 'kit.db'}", service_key="right")
    app = service_app(settings, None, "servicekit", "Kit", "The kit's sample app")
    guarded = APIRouter(dependencies=[Depends(service_key_dependency("KIT_SERVICE_KEY"))])

    @guarded.get("/ok")
    def ok() -> dict:
        return {"ok": True}

    @guarded.get("/refused", responses=error_responses((409, "busy"), (409, "late"), (404, "gone")))
    def refused() -> dict:
        raise ApiError(409, "busy", "try later", retry_after=3)

    @guarded.post("/echo")
    def echo(body: Body) -> dict:
        return body.model_dump()

    @guarded.get("/boom")
    def boom() -> dict:
        raise RuntimeError("13800138000")

    app.include_router(guarded)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_service_key(client):
    assert client.get("/ok", headers={SERVICE_KEY_HEADER: "right"}).json() == {"ok": True}
    for headers in ({}, {SERVICE_KEY_HEADER: "wrong"}):
        response = client.get("/ok", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "error": {"code": "unauthorized", "message": f"missing or wrong {SERVICE_KEY_HEADER}"}
        }
    [param] = client.get("/openapi.json").json()["paths"]["/ok"]["get"]["parameters"]
    assert (param["in"], param["name"]) == ("header", SERVICE_KEY_HEADER)
    assert "KIT_SERVICE_KEY" in param["description"]


def test_error_envelope(client):
    key = {SERVICE_KEY_HEADER: "right"}
    assert client.get("/refused", headers=key).json() == {
        "error": {"code": "busy", "message": "try later", "retry_after": 3}
    }
    assert client.get("/nowhere").json()["error"]["code"] == "not_found"
    assert client.delete("/ok", headers=key).json()["error"]["code"] == "method_not_allowed"
    invalid = client.post("/echo", headers=key, json={"phone": 13800138000})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "validation_error"
    assert "13800138000" not in invalid.text  # the input is never echoed
    crashed = client.get("/boom", headers=key)
    assert crashed.status_code == 500
    assert crashed.json() == {"error": {"code": "internal_error", "message": "internal server error"}}


def test_documented_errors(client):
    responses = client.get("/openapi.json").json()["paths"]["/refused"]["get"]["responses"]
    assert responses["409"]["description"] == "Error codes: `busy`, `late`"
    assert responses["401"]["description"] == "`unauthorized`"


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("KIT_SERVICE_KEY", "from-env")
    monkeypatch.setenv("KIT_TIMEZONE", "Nowhere/Atlantis")
    settings = KitSettings()
    assert settings.service_key == "from-env"
    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'kit.db'}"
    assert settings.tz.utcoffset(None).total_seconds() == 8 * 3600  # unknown zone: Shanghai time
    assert settings.log_level == "INFO"
