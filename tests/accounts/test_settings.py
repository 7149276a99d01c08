"""Settings come from the environment; production refuses the embedded default secret."""

import os
import subprocess
import sys


def run_settings(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import successhub.settings"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_default_secret():
    env = {"SUCCESSHUB_ENV": "production"}
    env_without_secret = {k: v for k, v in {**os.environ, **env}.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import successhub.settings"], env=env_without_secret, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret():
    assert run_settings({"SUCCESSHUB_ENV": "production", "SECRET_KEY": "x" * 50}).returncode == 0
