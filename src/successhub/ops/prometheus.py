"""What SuccessHub writes for the Prometheus stack: file-based service discovery targets from the
environment registry, the alert rules, and configurations for Prometheus, the blackbox exporter and
Alertmanager (whose webhook posts to ``/api/v1/ops/alertmanager`` with a bearer token from a file).

Debian's packages run them: ``prometheus --config.file DIR/prometheus.yml``,
``prometheus-blackbox-exporter --config.file DIR/blackbox.yml``,
``prometheus-alertmanager --config.file DIR/alertmanager.yml``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from successhub.ops.alertmanager import ENVIRONMENT_LABEL
from successhub.ops.models import Environment

PROBE_JOB = "successhub-environments"
TARGETS_FILE = "targets/environments.json"
RULES_FILE = "rules/successhub-ops.yml"


@dataclass(frozen=True)
class StackConfig:
    successhub_url: str = "http://127.0.0.1:8000"
    blackbox_address: str = "127.0.0.1:9115"
    alertmanager_address: str = "127.0.0.1:9093"
    token_file: str = "successhub.token"
    scrape_interval: str = "30s"
    evaluation_interval: str = "30s"
    unavailable_for: str = "2m"
    slow_for: str = "10m"
    probe_timeout: str = "10s"
    latency_threshold_seconds: float = 3.0
    certificate_days_threshold: int = 21
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"
    resolve_timeout: str = "5m"
    scrape_successhub: bool = True  # also scrape SuccessHub's own /metrics


def _write(path: Path, text: str) -> None:
    """Atomically: Prometheus re-reads target files when they change and must never see half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def target_groups() -> list[dict]:
    """One file_sd target group per active environment with a tenant address."""
    groups = []
    environments = (
        Environment.objects.filter(retired_at__isnull=True)
        .exclude(tenant_url="")
        .select_related("organisation", "product")
    )
    for env in environments.order_by("code"):
        groups.append(
            {
                "targets": [env.tenant_url],
                "labels": {
                    ENVIRONMENT_LABEL: env.code,
                    "successhub_product": env.product.code,
                    "successhub_organisation": env.organisation.code,
                    "successhub_region": env.region,
                },
            }
        )
    return groups


def write_targets(directory: Path | str) -> Path:
    path = Path(directory) / TARGETS_FILE
    text = json.dumps(target_groups(), ensure_ascii=False, indent=1)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        _write(path, text)
    return path


def rules(config: StackConfig) -> dict:
    selector = f'{{job="{PROBE_JOB}"}}'
    env = "{{ $labels." + ENVIRONMENT_LABEL + " }}"
    return {
        "groups": [
            {
                "name": "successhub-environments",
                "interval": config.evaluation_interval,
                "rules": [
                    {
                        "alert": "EnvironmentUnavailable",
                        "expr": f"probe_success{selector} == 0",
                        "for": config.unavailable_for,
                        "labels": {"severity": "critical"},
                        "annotations": {"summary": f"环境 {env} 不可用（租户地址探测失败）"},
                    },
                    {
                        "alert": "EnvironmentSlow",
                        "expr": f"probe_success{selector} == 1 and probe_duration_seconds{selector} > "
                        f"{config.latency_threshold_seconds}",
                        "for": config.slow_for,
                        "labels": {"severity": "warning"},
                        "annotations": {
                            "summary": f"环境 {env} 响应缓慢（超过 {config.latency_threshold_seconds} 秒）"
                        },
                    },
                    {
                        "alert": "CertificateExpiring",
                        "expr": f"(probe_ssl_earliest_cert_expiry{selector} - time()) / 86400 < "
                        f"{config.certificate_days_threshold}",
                        "for": "1h",
                        "labels": {"severity": "warning"},
                        "annotations": {
                            "summary": f"环境 {env} 的 TLS 证书将在 {config.certificate_days_threshold} 天内到期"
                        },
                    },
                ],
            }
        ]
    }


def prometheus_config(config: StackConfig, successhub_target: str) -> dict:
    own = [
        {
            "job_name": "successhub",
            "metrics_path": "/metrics",
            "static_configs": [{"targets": [successhub_target]}],
        }
    ]
    return {
        "global": {
            "scrape_interval": config.scrape_interval,
            "evaluation_interval": config.evaluation_interval,
        },
        "rule_files": [RULES_FILE],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [config.alertmanager_address]}]}]},
        "scrape_configs": [
            {
                "job_name": PROBE_JOB,
                "metrics_path": "/probe",
                "params": {"module": ["http_2xx"]},
                "scrape_timeout": config.probe_timeout,
                "file_sd_configs": [{"files": [TARGETS_FILE], "refresh_interval": "30s"}],
                "relabel_configs": [
                    {"source_labels": ["__address__"], "target_label": "__param_target"},
                    {"source_labels": ["__param_target"], "target_label": "instance"},
                    {"target_label": "__address__", "replacement": config.blackbox_address},
                ],
            },
            *(own if config.scrape_successhub else []),
        ],
    }


def blackbox_config(config: StackConfig) -> dict:
    return {
        "modules": {
            "http_2xx": {
                "prober": "http",
                "timeout": config.probe_timeout,
                "http": {"preferred_ip_protocol": "ip4", "follow_redirects": True},
            }
        }
    }


def alertmanager_config(config: StackConfig) -> dict:
    return {
        "global": {"resolve_timeout": config.resolve_timeout},
        "route": {
            "receiver": "successhub",
            "group_by": ["alertname", ENVIRONMENT_LABEL],
            "group_wait": config.group_wait,
            "group_interval": config.group_interval,
            "repeat_interval": config.repeat_interval,
        },
        "receivers": [
            {
                "name": "successhub",
                "webhook_configs": [
                    {
                        "url": f"{config.successhub_url.rstrip('/')}/api/v1/ops/alertmanager",
                        "send_resolved": True,
                        "http_config": {
                            "authorization": {"type": "Bearer", "credentials_file": config.token_file}
                        },
                    }
                ],
            }
        ],
    }


def write_stack(directory: Path | str, config: StackConfig) -> dict[str, Path]:
    """Write every file the stack needs into ``directory`` (targets included); returns them by name."""
    directory = Path(directory)
    target = config.successhub_url.split("://", 1)[-1].rstrip("/")
    files = {
        "prometheus": (directory / "prometheus.yml", prometheus_config(config, target)),
        "rules": (directory / RULES_FILE, rules(config)),
        "blackbox": (directory / "blackbox.yml", blackbox_config(config)),
        "alertmanager": (directory / "alertmanager.yml", alertmanager_config(config)),
    }
    written = {}
    for name, (path, document) in files.items():
        _write(path, yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
        written[name] = path
    written["targets"] = write_targets(directory)
    return written
