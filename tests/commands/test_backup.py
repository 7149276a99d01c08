"""``successhub backup`` / ``restore``: a round trip gives back every row and every uploaded file."""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection

from successhub.backup import BackupError, backup, media_checksums, read_manifest, restore, table_counts
from successhub.cli import main

pytestmark = pytest.mark.django_db(transaction=True)


def content_checksums() -> dict[str, str]:
    """A SHA-256 of every table's rows in primary-key order."""
    sums = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        sums[model._meta.db_table] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return sums


@pytest.fixture
def some_data(settings, tmp_path, make_org, make_user, add_contract):
    settings.MEDIA_ROOT = tmp_path / "media"
    from successhub.community.models import Question

    organisation = make_org(name="备份测试客户")
    add_contract(organisation)
    user = make_user(organisation, username="backup-user")
    question = Question.objects.create(title="备份前的问题", body="正文", author=user)
    stored = settings.MEDIA_ROOT / "tickets" / "2026" / "a.txt"
    stored.parent.mkdir(parents=True)
    stored.write_bytes("附件内容".encode() * 100)
    from django.core.files.storage import default_storage

    default_storage.save("patches/p.bin", ContentFile(bytes(range(256)) * 64))
    return question


def test_round_trip_restores_every_row_and_file(some_data, settings, tmp_path):
    before_counts, before_rows = table_counts(), content_checksums()
    before_files = media_checksums(settings.MEDIA_ROOT)
    assert before_counts["community_question"] == 1 and len(before_files) == 2
    archive = tmp_path / "backups" / "b.tar.gz"

    manifest = backup(archive)

    assert manifest.tables == before_counts and manifest.files == before_files
    assert manifest.engine == connection.vendor
    # Damage everything: rows deleted and added, one file changed, one removed.
    some_data.delete()
    from successhub.community.models import Question

    Question.objects.create(title="备份后的问题", body="x", author_id=some_data.author_id)
    (settings.MEDIA_ROOT / "tickets" / "2026" / "a.txt").write_bytes(b"changed")
    (settings.MEDIA_ROOT / "patches" / "p.bin").unlink()

    report = restore(archive)

    assert report.ok, (report.mismatched_tables, report.mismatched_files)
    assert table_counts() == before_counts
    assert content_checksums() == before_rows
    assert media_checksums(settings.MEDIA_ROOT) == before_files


def test_the_commands_round_trip_and_say_verified(some_data, tmp_path, capsys):
    archive = tmp_path / "c.tar.gz"
    assert main(["backup", "--output", str(archive)]) == 0
    assert str(archive) in capsys.readouterr().out
    some_data.delete()
    assert main(["restore", str(archive), "--yes"]) == 0
    assert "verified" in capsys.readouterr().out
    from successhub.community.models import Question

    assert Question.objects.filter(title="备份前的问题").exists()


def test_restore_refuses_an_archive_of_another_engine(some_data, tmp_path):
    archive = tmp_path / "d.tar.gz"
    backup(archive)
    import json
    import tarfile

    manifest = read_manifest(archive).as_json() | {"engine": "oracle"}
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(forged, "w:gz") as out:
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(manifest))
        out.add(path, "manifest.json")
    with pytest.raises(BackupError, match="oracle"):
        restore(forged)


def test_restore_of_a_missing_archive_exits_2(tmp_path, capsys):
    assert main(["restore", str(tmp_path / "nope.tar.gz"), "--yes"]) == 2
    assert "no such archive" in capsys.readouterr().err
