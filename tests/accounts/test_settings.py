"""Settings come from the environment; production refuses the embedded default secret."""

import os
import subprocess
import sys

import pytest
from django.db import connection


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
        [sys.executable, "-c", "import successhub.settings"],
        env=env_without_secret,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret():
    assert run_settings({"SUCCESSHUB_ENV": "production", "SECRET_KEY": "x" * 50}).returncode == 0


def test_preparing_statements_can_be_turned_off_for_a_transaction_pooler():
    script = (
        "import successhub.settings as s; o = s.DATABASES['default']['OPTIONS']; "
        "print(o['server_side_binding'], o['prepare_threshold'])"
    )
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/successhub"}

    def options(extra: dict) -> str:
        result = subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, **url, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert options({}) == "True 5"
    assert options({"DB_PREPARE_THRESHOLD": "0"}) == "True None"


@pytest.mark.postgres
@pytest.mark.django_db
def test_hot_statements_are_prepared_on_postgresql():
    """The fifth run of a statement on a connection is a prepared statement: PostgreSQL stops planning it."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL connection's (set DATABASE_URL)")
    marker = "SELECT %s::int AS prepared_statement_probe"
    with connection.cursor() as cursor:
        for n in range(6):
            cursor.execute(marker, [n])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%prepared_statement_probe%"],
        )
        assert cursor.fetchone()[0] == 1
