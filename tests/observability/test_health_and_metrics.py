"""/livez, /healthz (kept for bench/tickets.py), /readyz (database and Redis) and /metrics."""

from __future__ import annotations

import pytest

from successhub.observability import health

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/livez"])
def test_liveness_answers_without_touching_anything(client, path, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(path)
    assert (response.status_code, response.content) == (200, b"ok")


def test_readiness_checks_the_database_and_redis(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "not_configured"}}


@pytest.mark.parametrize(
    ("database", "redis", "status"),
    [("ok", "ok", 200), ("failed", "ok", 503), ("ok", "failed", 503), ("ok", "not_configured", 200)],
)
def test_readiness_is_unavailable_when_a_check_fails(client, monkeypatch, database, redis, status):
    monkeypatch.setattr(health, "check_database", lambda: database)
    monkeypatch.setattr(health, "check_redis", lambda: redis)
    response = client.get("/readyz")
    assert response.status_code == status
    assert response.json()["checks"] == {"database": database, "redis": redis}


def test_redis_that_does_not_answer_fails_readiness(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert health.check_redis() == "failed"


def test_metrics_expose_requests_queues_outbox_sla_and_incidents(client):
    client.get("/livez")
    text = client.get("/metrics").content.decode()
    for name in (
        'successhub_http_requests_total{method="GET",route="/livez",status="200"}',
        "successhub_http_request_duration_seconds_bucket",
        'successhub_ticket_queue_length{status="new"}',
        'successhub_ticket_first_response_sla{state="breached"}',
        'successhub_outbox_backlog{outbox="email"}',
        'successhub_outbox_backlog{outbox="webhook"}',
        'successhub_outbox_backlog{outbox="im_robot"}',
        'successhub_ops_open_incidents{expected="false"}',
        "successhub_ops_unmatched_alerts",
    ):
        assert name in text, name


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.SUCCESSHUB_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
