"""Health probes, request ids, JSON logs and the OpenAPI document."""
import json
import logging

from pythonjsonlogger.json import JsonFormatter

from app import create_app


def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_database_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_down(database_url):
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0", "LOG_LEVEL": "ERROR"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("error")


def test_readyz_is_503_when_database_is_down(redis_url):
    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "REDIS_URL": redis_url,
                      "LOG_LEVEL": "ERROR"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error")


def test_request_id_is_echoed_or_generated(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["X-Request-ID"]) == 32


def test_access_log_is_json_with_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="linli.access"):
        client.get("/healthz", headers={"X-Request-ID": "trace-me"})
    record = next(r for r in caplog.records if r.name == "linli.access")
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    line = json.loads(handler.format(record))
    assert line["request_id"] == "trace-me"
    assert line["path"] == "/healthz" and line["status"] == 200 and line["level"] == "INFO"


def test_openapi_document_is_complete(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), f"{where} has no summary"
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), f"{where} documents no success"
            assert "default" in responses, f"{where} documents no error response"
            if method in ("post", "put", "patch") and "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"]["schema"]


def test_api_docs_page_is_served(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()
