"""Backups: the database and the uploaded files in one archive, and their restore.

An archive (``.tar.gz``) holds ``manifest.json`` (when, which database engine, the row count of
every table, the SHA-256 of every uploaded file), the database (``database.dump`` from ``pg_dump
--format=custom`` on PostgreSQL; ``database.sqlite3`` from SQLite's online backup API in the
embedded default, safe while the server runs) and ``media/`` (``MEDIA_ROOT``). A restore puts both
back (``pg_restore --clean``; SQLite's backup API in the other direction), then checks the row
counts and file checksums against the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    engine: str
    tables: dict[str, int]
    files: dict[str, str]

    def as_json(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "created_at": self.created_at,
            "engine": self.engine,
            "tables": self.tables,
            "files": self.files,
        }


def table_counts() -> dict[str, int]:
    """Rows per table, for every installed model's own table (and auto-created join tables)."""
    counts = {}
    existing = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        if model._meta.proxy or not model._meta.managed or table not in existing or table in counts:
            continue
        counts[table] = model._base_manager.using("default").count()
    return dict(sorted(counts.items()))


def media_checksums(root: Path) -> dict[str, str]:
    sums = {}
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            sums[path.relative_to(root).as_posix()] = _sha256(path)
    return sums


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env_and_url() -> tuple[dict[str, str], list[str]]:
    """libpq connection arguments for pg_dump/pg_restore from Django's settings (password in the env)."""
    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--dbname", name]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(command: list[str], env: dict[str, str]) -> None:
    found = shutil.which(command[0])
    if found is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run([found, *command[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def backup(output: Path) -> Manifest:
    """Write an archive of the database and the uploaded files to ``output`` (a ``.tar.gz``)."""
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="successhub-backup-") as work:
        work_dir = Path(work)
        # Counts first, then the copy: rows written in between are in the copy and a restore's check
        # reports them, rather than the other way round.
        manifest = Manifest(
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            engine=connection.vendor,
            tables=table_counts(),
            files=media_checksums(media_root),
        )
        if connection.vendor == "postgresql":
            env, args = _pg_env_and_url()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    str(work_dir / "database.dump"),
                    *args,
                ],
                env,
            )
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(work_dir / "database.sqlite3")
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"no backup for the {connection.vendor} database")
        (work_dir / "manifest.json").write_text(json.dumps(manifest.as_json(), indent=2, ensure_ascii=False))
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", "manifest.json")
            for name in ("database.dump", "database.sqlite3"):
                if (work_dir / name).exists():
                    archive.add(work_dir / name, name)
            if media_root.is_dir():
                archive.add(media_root, "media")
        partial.replace(output)  # a crash mid-way never leaves a truncated archive under the real name
    return manifest


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    tables: dict[str, int]
    files: dict[str, str]

    @property
    def mismatched_tables(self) -> dict[str, tuple[int, int | None]]:
        return {
            t: (n, self.tables.get(t)) for t, n in self.manifest.tables.items() if self.tables.get(t) != n
        }

    @property
    def mismatched_files(self) -> list[str]:
        return sorted(p for p, s in self.manifest.files.items() if self.files.get(p) != s)

    @property
    def ok(self) -> bool:
        return not self.mismatched_tables and not self.mismatched_files


def read_manifest(archive_path: Path) -> Manifest:
    with tarfile.open(archive_path, "r:gz") as archive:
        member = archive.extractfile("manifest.json")
        if member is None:
            raise BackupError("the archive has no manifest.json")
        data = json.load(member)
    if data.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown archive format {data.get('format')!r}")
    return Manifest(data["created_at"], data["engine"], data["tables"], data["files"])


def restore(archive_path: Path) -> RestoreReport:
    """Replace the database and the uploaded files with the archive's, then check them."""
    if not archive_path.is_file():
        raise BackupError(f"no such archive: {archive_path}")
    manifest = read_manifest(archive_path)
    if manifest.engine != connection.vendor:
        raise BackupError(f"the archive holds a {manifest.engine} database; this one is {connection.vendor}")
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="successhub-restore-") as work:
        work_dir = Path(work)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work_dir, filter="data")  # no absolute paths, no "..", no devices
        if manifest.engine == "postgresql":
            connections.close_all()
            env, args = _pg_env_and_url()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(work_dir / "database.dump"),
                ],
                env,
            )
        else:
            connection.ensure_connection()
            source = sqlite3.connect(work_dir / "database.sqlite3")
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        if media_root.exists():
            shutil.rmtree(media_root)
        if (work_dir / "media").is_dir():
            shutil.copytree(work_dir / "media", media_root)
    connections.close_all()
    return RestoreReport(manifest, table_counts(), media_checksums(media_root))
