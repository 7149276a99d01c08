"""The files SuccessHub writes for the stack: file_sd targets from the registry, rules, configs;
checked by Debian's promtool and amtool when they are installed."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from successhub.ops.prometheus import StackConfig, write_stack, write_targets


def test_targets_list_each_active_environment_with_its_code_label(environment, make_org, add_deployment):
    retired = add_deployment(make_org(), product="galaxy", kind="public_cloud")
    retired.environment_url = "https://gone.example/"
    retired.save()
    retired.delete()

    groups = json.loads(write_targets_path(environment).read_text())

    assert groups == [
        {
            "targets": ["https://nanfang.kdcloud.example/"],
            "labels": {
                "successhub_environment": environment.code,
                "successhub_product": "cosmic",
                "successhub_organisation": environment.organisation.code,
                "successhub_region": "",
            },
        }
    ]


def write_targets_path(environment):
    import tempfile
    from pathlib import Path

    return write_targets(Path(tempfile.mkdtemp()))


@pytest.mark.skipif(
    shutil.which("promtool") is None or shutil.which("amtool") is None, reason="promtool/amtool missing"
)
def test_the_written_configs_are_valid_for_prometheus_and_alertmanager(environment, tmp_path):
    token = tmp_path / "token"
    token.write_text("shk_x_y")
    files = write_stack(tmp_path, StackConfig(token_file=str(token)))
    for command in (
        ["promtool", "check", "config", str(files["prometheus"])],
        ["promtool", "check", "rules", str(files["rules"])],
        ["amtool", "check-config", str(files["alertmanager"])],
    ):
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
