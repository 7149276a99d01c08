"""The OpenAPI schema states every refusal an operation can give, and which reads are public."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def paths():
    from successhub.api.urls import api

    return api.get_openapi_schema()["paths"]


def test_public_reads_need_no_authentication(paths):
    for path in ("/api/v1/community/questions", "/api/v1/community/faq", "/api/v1/search"):
        assert {} in paths[path]["get"]["security"], path


def test_private_operations_require_authentication(paths):
    security = paths["/api/v1/tickets/{number}"]["get"]["security"]
    assert security and {} not in security


def test_every_operation_lists_its_refusals_with_the_error_schema(paths):
    for path, methods in paths.items():
        for method, operation in methods.items():
            responses = {int(code): body for code, body in operation["responses"].items()}
            assert {400, 422} <= set(responses), (method, path)
            if "{" in path:
                assert 404 in responses, (method, path)
            if method in ("post", "put", "patch"):
                assert 413 in responses, (method, path)
            if operation.get("security") and {} not in operation["security"]:
                assert {401, 403, 429} <= set(responses), (method, path)
            for code, body in responses.items():
                if code >= 400:
                    assert "content" in body, (method, path, code)
