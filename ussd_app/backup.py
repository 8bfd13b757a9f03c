"""Backups of PostgreSQL (pg_dump custom format) and of files, and a check that they restore.

`create` dumps the database from an exported snapshot and counts every table's rows and the
savings ledger's sums in that same snapshot (REPEATABLE READ + pg_export_snapshot, the
transaction held open while pg_dump reads it), so the manifest describes exactly what the dump
holds. Files (the instance folder's uploads and recordings, and any path given) go into a
tar.gz beside it. `check` restores a dump into a scratch database (created, then dropped),
counts again and compares with the manifest and with the live database.

Credentials reach pg_dump and pg_restore through the environment (PGPASSWORD...), never the
command line, where `ps` would show them. SQLite (local runs) is not backed up here.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

DEFAULT_FILE_DIRS = ("uploads", "recordings")  # inside the instance folder, when they exist
PREFIX = "ussd_app-"


class BackupError(Exception):
    pass


@dataclass
class Backup:
    dump: Path
    manifest: Path
    files: Path | None
    tables: dict[str, int]


@dataclass
class CheckReport:
    dump: Path
    rows: list[tuple[str, int, int | None, int]] = field(default_factory=list)  # table, restored, recorded, live
    ledger: tuple[dict, dict | None, dict] = ({}, None, {})  # restored, recorded, live
    files: int | None = None  # members in the files archive
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _url(database_url: str):
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"backups need PostgreSQL; DATABASE_URL is {url.get_backend_name()} "
                          "(copy a SQLite file with `sqlite3 FILE .backup COPY` instead)")
    return url


def _pg_env(url, database: str | None = None) -> dict:
    env = dict(os.environ, PGHOST=url.host or "localhost", PGPORT=str(url.port or 5432),
               PGUSER=url.username or "", PGDATABASE=database or url.database)
    if url.password:
        env["PGPASSWORD"] = url.password
    return env


def _run(args: list[str], env: dict) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[-500:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_counts(conn) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    return {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in names}


def ledger_sums(conn) -> dict[str, list[int]]:
    """{"group <id> <kind>": [entries, amount XOF, shares]} over the whole ledger."""
    rows = conn.execute(text("SELECT group_id, kind, count(*), coalesce(sum(amount), 0), "
                             "coalesce(sum(shares), 0) FROM savings_ledger GROUP BY group_id, kind"))
    return {f"group {g} {k}": [int(n), int(a), int(s)] for g, k, n, a, s in rows}


def _archive(paths: list[Path], target: Path) -> int:
    members = 0
    with tarfile.open(target, "w:gz") as tar:
        for path in paths:
            tar.add(path, arcname=path.name)
            members += sum(1 for _ in path.rglob("*")) + 1 if path.is_dir() else 1
    return members


def create(database_url: str, directory: Path, *, now: datetime, instance_path: Path | None = None,
           extra_paths: tuple[Path, ...] = ()) -> Backup:
    url = _url(database_url)
    missing = [str(p) for p in extra_paths if not Path(p).exists()]
    if missing:
        raise BackupError(f"no such path: {', '.join(missing)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    dump = directory / f"{PREFIX}{stamp}.dump"
    partial = directory / f".{dump.name}.partial"
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            tables, ledger = table_counts(conn), ledger_sums(conn)
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(partial)], _pg_env(url))
    finally:
        engine.dispose()
    partial.rename(dump)  # a dump cut short never looks like the latest one
    wanted = [instance_path / name for name in DEFAULT_FILE_DIRS] if instance_path else []
    paths = [p for p in (*wanted, *map(Path, extra_paths)) if p.exists()]
    files = directory / f"files-{stamp}.tar.gz" if paths else None
    manifest = {"created_at": now.isoformat(), "dump": dump.name, "dump_sha256": _sha256(dump),
                "tables": tables, "ledger": ledger, "paths": [str(p) for p in paths]}
    if files is not None:
        manifest.update(files=files.name, file_count=_archive(paths, files), files_sha256=_sha256(files))
    manifest_path = dump.with_suffix(".json")
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return Backup(dump, manifest_path, files, tables)


def latest_dump(path: Path) -> Path:
    path = Path(path)
    if path.is_file():
        return path
    dumps = sorted(path.glob(f"{PREFIX}*.dump"))
    if not dumps:
        raise BackupError(f"no {PREFIX}*.dump in {path}")
    return dumps[-1]


def _compare(report: CheckReport, restored: dict, recorded: dict | None, live: dict) -> None:
    for table in sorted(set(restored) | set(recorded or {}) | set(live)):
        got, kept, now_ = restored.get(table), (recorded or {}).get(table), live.get(table, 0)
        report.rows.append((table, got if got is not None else -1, kept, now_))
        if got is None:
            report.problems.append(f"table {table} is missing from the restored dump")
        elif recorded is not None and got != kept:
            report.problems.append(f"table {table}: {got} rows restored, the backup recorded {kept}")
        elif recorded is None and got != now_:
            report.problems.append(f"table {table}: {got} rows restored, {now_} in the live database")


def _check_ledger(report: CheckReport, restored: dict, recorded: dict | None, live: dict) -> None:
    report.ledger = (restored, recorded, live)
    if recorded is not None and restored != recorded:
        report.problems.append("the restored ledger's sums differ from the backup's")
    if recorded is None and restored != live:
        report.problems.append("the restored ledger's sums differ from the live database's")
    for key, (entries, _amount, _shares) in restored.items():
        if live.get(key, [0])[0] < entries:  # append-only: the live ledger can only have grown
            report.problems.append(f"ledger {key}: the live database has fewer entries than the backup")


def _check_files(report: CheckReport, directory: Path, manifest: dict) -> None:
    name = manifest.get("files")
    if not name:
        return
    archive = directory / name
    if not archive.exists() or _sha256(archive) != manifest.get("files_sha256"):
        report.problems.append(f"files archive {name} is missing or altered")
        return
    with tarfile.open(archive, "r:gz") as tar:
        report.files = len(tar.getmembers())


def check(database_url: str, dump_path: Path) -> CheckReport:
    url = _url(database_url)
    dump = latest_dump(dump_path)
    report = CheckReport(dump)
    manifest_path = dump.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if manifest is not None and manifest.get("dump_sha256") != _sha256(dump):
        report.problems.append("the dump's checksum differs from its manifest's")
    scratch = f"{url.database}_check_{uuid.uuid4().hex[:8]}"[-63:]
    live_engine = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    scratch_engine = create_engine(url.set(drivername="postgresql+psycopg", database=scratch))
    try:
        with live_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        try:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", scratch,
                  str(dump)], _pg_env(url, scratch))
            with scratch_engine.connect() as conn:
                restored, restored_ledger = table_counts(conn), ledger_sums(conn)
        finally:
            scratch_engine.dispose()
            with live_engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        with live_engine.connect() as conn:
            live, live_ledger = table_counts(conn), ledger_sums(conn)
    finally:
        live_engine.dispose()
    _compare(report, restored, manifest and manifest.get("tables"), live)
    _check_ledger(report, restored_ledger, manifest and manifest.get("ledger"), live_ledger)
    if manifest is not None:
        _check_files(report, dump.parent, manifest)
    return report
