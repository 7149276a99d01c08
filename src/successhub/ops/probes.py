"""Probe results for the inspections: read from Prometheus (the blackbox exporter's metrics) when it is
configured, else measured directly by the embedded prober (no servers needed)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import ssl
import time
import urllib.parse
import urllib.request

from successhub.ops.alertmanager import ENVIRONMENT_LABEL
from successhub.ops.models import Environment
from successhub.ops.prometheus import PROBE_JOB
from successhub.ops.services import Probe

logger = logging.getLogger("successhub.ops")

QUERIES = {
    "up": f'probe_success{{job="{PROBE_JOB}"}}',
    "latency": f'probe_duration_seconds{{job="{PROBE_JOB}"}}',
    "cert": f'(probe_ssl_earliest_cert_expiry{{job="{PROBE_JOB}"}} - time()) / 86400',
}


def _query(base_url: str, expression: str, timeout: float) -> dict[str, float]:
    url = f"{base_url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode({'query': expression})}"
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (configured URL)
        payload = json.load(response)
    values = {}
    for sample in payload.get("data", {}).get("result", []):
        code = sample.get("metric", {}).get(ENVIRONMENT_LABEL)
        if code:
            values[code] = float(sample["value"][1])
    return values


def from_prometheus(base_url: str, timeout: float = 10) -> list[Probe]:
    found = {name: _query(base_url, expression, timeout) for name, expression in QUERIES.items()}
    return [
        Probe(
            code,
            up >= 1,
            found["latency"].get(code, 0) * 1000 if code in found["latency"] else None,
            found["cert"].get(code),
        )
        for code, up in found["up"].items()
    ]


def probe_url(url: str, timeout: float = 10) -> tuple[bool, float | None, float | None]:
    """GET the address: (up, latency in ms, TLS certificate days left)."""
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https"
    connection_class = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    kwargs = {"context": ssl.create_default_context()} if secure else {}
    started = time.perf_counter()
    connection = connection_class(parts.hostname, parts.port, timeout=timeout, **kwargs)
    try:
        connection.request("GET", parts.path or "/", headers={"User-Agent": "SuccessHub-probe"})
        response = connection.getresponse()
        response.read()
        latency = (time.perf_counter() - started) * 1000
        cert_days = None
        if secure and connection.sock is not None:
            not_after = connection.sock.getpeercert().get("notAfter")
            if not_after:
                expires = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), dt.UTC)
                cert_days = (expires - dt.datetime.now(dt.UTC)).total_seconds() / 86400
        return 200 <= response.status < 400, latency, cert_days
    except (OSError, http.client.HTTPException, ssl.SSLError):
        return False, None, None
    finally:
        connection.close()


def probe_directly(timeout: float = 10) -> list[Probe]:
    probes = []
    for code, url in (
        Environment.objects.filter(retired_at__isnull=True)
        .exclude(tenant_url="")
        .values_list("code", "tenant_url")
    ):
        up, latency, cert_days = probe_url(url, timeout)
        probes.append(Probe(code, up, latency, cert_days))
    return probes
