"""Security headers, the Host check and the production deploy check."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import successhub

pytestmark = pytest.mark.django_db

SRC = Path(successhub.__file__).resolve().parent


def test_pages_carry_a_content_security_policy(client):
    response = client.get("/community/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-inline'" in directives["style-src"]  # style="..." attributes keep working
    assert directives["connect-src"] == "'self'"  # htmx and same-origin WebSockets
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_without_the_nonce(client):
    html = client.get("/community/").content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or "nonce=" in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "inline event handler in the page"


def test_the_nonce_in_a_template_matches_the_header(rf):
    from csp.middleware import CSPMiddleware
    from django.template import Context, Template

    request = rf.get("/")
    middleware = CSPMiddleware(lambda req: None)
    middleware.process_request(request)
    rendered = Template('<script nonce="{{ request.csp_nonce }}">1</script>').render(
        Context({"request": request})
    )
    nonce = re.search(r'nonce="([^"]+)"', rendered).group(1)
    from django.http import HttpResponse

    response = middleware.process_response(request, HttpResponse(rendered))
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_the_embedded_default_refuses_foreign_host_names(client):
    assert client.get("/community/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/community/", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/community/", HTTP_HOST="localhost").status_code == 200


def test_production_redirects_to_https_and_sends_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert client.get("/community/").status_code == 301
    secure = client.get("/community/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def _run_settings(env: dict) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: the browser tests set it for their own process, never for a deployment.
    unset = {"ALLOWED_HOSTS", "SUCCESSHUB_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "successhub.cli", *env.pop("argv")],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    result = _run_settings(
        {
            "argv": ["check", "--deploy", "--fail-level", "WARNING"],
            "SUCCESSHUB_ENV": "production",
            "SECRET_KEY": "k" + "x7Yq2-pL9_vR4mZ8sT1wN6bC3hJ5fD0gK!aE@uI#oP$" * 2,
            "ALLOWED_HOSTS": "support.example.com",
            "SUCCESSHUB_VAR_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_allowed_hosts_default_is_loopback_only(tmp_path):
    result = _run_settings(
        {
            "argv": ["shell", "-c", "from django.conf import settings; print(settings.ALLOWED_HOSTS)"],
            "SUCCESSHUB_VAR_DIR": str(tmp_path),
        }
    )
    assert result.stdout.strip().splitlines()[-1] == "['localhost', '127.0.0.1', '[::1]']", result.stderr
