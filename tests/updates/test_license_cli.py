"""`successhub license public-key` and `successhub license verify FILE`: exit 0 valid, 1 wrong, 2 unreadable,
with one line saying why; also in a separate process, as a customer would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from successhub.cli import main
from successhub.core import licensing
from successhub.updates import keys, services


@pytest.fixture
def license_file(world, versions, tmp_path):
    issued = services.record_license(
        world.admin, world.advanced, "galaxy", "V9.1", {"总账": 30}, valid_from=timezone.localdate()
    )
    path = tmp_path / "license.json"
    path.write_text(json.dumps(issued.document, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _run(capsys, *argv) -> tuple[int, list[str]]:
    code = main(["license", *argv])
    out = capsys.readouterr().out
    return code, out.splitlines()


def test_public_key_prints_the_pem(capsys, db, settings, tmp_path):
    code, lines = _run(capsys, "public-key")
    assert code == 0
    pem = "\n".join(lines) + "\n"
    public = serialization.load_pem_public_key(pem.encode())
    assert licensing.key_id(public) == licensing.key_id(keys.signing_key().public_key())


def test_a_valid_file_exits_0(capsys, license_file):
    code, lines = _run(capsys, "verify", str(license_file))
    assert code == 0
    assert len(lines) == 1 and "valid" in lines[0] and "galaxy V9.1" in lines[0]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["license"]["modules"].update({"总账": 31}),
        lambda d: d["license"].update(organisation={"code": "someone-else", "name": "别家"}),
        lambda d: d.update(key_id="ffffffffffffffff"),
        lambda d: d.update(signature=d["signature"][::-1]),
    ],
    ids=["more-users", "other-organisation", "unknown-key", "reversed-signature"],
)
def test_a_tampered_file_exits_1(capsys, license_file, tamper):
    document = json.loads(license_file.read_text(encoding="utf-8"))
    tamper(document)
    license_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    code, lines = _run(capsys, "verify", str(license_file))
    assert code == 1
    assert len(lines) == 1 and "INVALID" in lines[0]


@pytest.mark.parametrize(
    "content", [None, b"{not json", b"\xff\xfe\x00", b""], ids=["missing", "not-json", "not-utf8", "empty"]
)
def test_an_unreadable_file_exits_2(capsys, db, tmp_path, content):
    path = tmp_path / "license.json"
    if content is not None:
        path.write_bytes(content)
    code, lines = _run(capsys, "verify", str(path))
    assert code == 2
    assert len(lines) == 1 and "unreadable" in lines[0]


def test_verify_in_a_separate_process(license_file, settings):
    env = {**os.environ, "SUCCESSHUB_VAR_DIR": str(settings.VAR_DIR)}
    command = [sys.executable, "-m", "successhub.cli", "license", "verify", str(license_file)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("\n") == 1
