"""``successhub backup`` and ``successhub restore``: the database and uploaded files, one archive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("backup", help="archive the database and the uploaded files")
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        help="archive to write (default: var/backups/successhub-YYYYMMDD-HHMMSS.tar.gz)",
    )
    parser.set_defaults(handler=run_backup)
    restore = subparsers.add_parser("restore", help="replace the database and uploaded files from an archive")
    restore.add_argument("archive", type=Path)
    restore.add_argument("--yes", action="store_true", help="do not ask before replacing the data")
    restore.set_defaults(handler=run_restore)


def run_backup(args) -> int:
    from successhub.cli import UsageError, setup_django

    setup_django()
    from django.conf import settings

    from successhub.backup import BackupError, backup

    output = args.output or (
        Path(settings.VAR_DIR) / "backups" / f"successhub-{dt.datetime.now():%Y%m%d-%H%M%S}.tar.gz"
    )
    try:
        manifest = backup(output)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    rows = sum(manifest.tables.values())
    print(
        f"{output}\t{manifest.engine}\t{len(manifest.tables)} tables\t{rows} rows\t{len(manifest.files)} files"
    )
    return 0


def run_restore(args) -> int:
    from successhub.cli import UsageError, setup_django

    setup_django()
    from successhub.backup import BackupError, read_manifest, restore

    try:
        manifest = read_manifest(args.archive) if args.archive.is_file() else None
        if manifest is None:
            raise BackupError(f"no such archive: {args.archive}")
        if not args.yes:
            answer = input(
                f"Replace this database and its uploaded files with the backup of {manifest.created_at}? [y/N] "
            )
            if answer.strip().lower() not in {"y", "yes"}:
                print("not restored")
                return 1
        report = restore(args.archive)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    for table, (expected, found) in report.mismatched_tables.items():
        print(f"table {table}: {found} rows, the backup had {expected}")
    for path in report.mismatched_files:
        print(f"file {path}: missing or different")
    rows = sum(report.tables.values())
    status = "verified" if report.ok else "MISMATCH"
    print(
        f"restored {args.archive}\t{len(report.tables)} tables\t{rows} rows\t{len(report.files)} files\t{status}"
    )
    return 0 if report.ok else 1
