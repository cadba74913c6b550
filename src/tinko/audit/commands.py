"""`tinko audit verify`: check the chain in the database, or an export file offline against
the checkpoints and public key the merchant kept (no database, no network)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from tinko.audit.chain import ChainInput, Verdict, key_id, verify


def read_export(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The export's lines, by type (key, prune, event, checkpoint)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                raise typer.BadParameter(f"{path}:{number} is not JSON") from None
            found.setdefault(str(item.pop("type", "event")), []).append(item)
    return found


def read_checkpoints(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Checkpoints as `GET /v1/audit/checkpoints` answers them (one page, or one page per
    line), or a bare list of them; and the key that answer names."""
    text = path.read_text(encoding="utf-8").strip()
    try:
        documents = [json.loads(text)]
    except json.JSONDecodeError:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    checkpoints: list[dict[str, Any]] = []
    key = None
    for document in documents:
        if isinstance(document, list):
            checkpoints.extend(document)
        elif isinstance(document, dict) and "data" in document:
            checkpoints.extend(document["data"])
            key = document.get("key") or key
        elif isinstance(document, dict):
            checkpoints.append(document)
    return checkpoints, key


def verify_file(export: Path, checkpoints_file: Path | None, public_key: str | None) -> Verdict:
    parts = read_export(export)
    checkpoints = parts.get("checkpoint", [])
    keys = parts.get("key", [])
    if checkpoints_file is not None:
        checkpoints, kept_key = read_checkpoints(checkpoints_file)
        keys = [kept_key] if kept_key else keys
    if public_key:
        keys = [{"public_key": public_key}]
    public_keys: dict[str, bytes] = {}
    for key in keys:
        raw = base64.b64decode(key["public_key"])
        public_keys[key_id(raw)] = raw
    prunes = sorted(parts.get("prune", []), key=lambda p: int(p["through_seq"]))
    events = sorted(parts.get("event", []), key=lambda e: int(e["seq"]))
    return verify(ChainInput(events, public_keys, checkpoints, prunes[-1] if prunes else None))


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The audit log.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command("verify")
    def verify_command(
        file: Annotated[
            Path | None, typer.Option("--file", help="An export from GET /v1/audit/export.jsonl.")
        ] = None,
        checkpoints: Annotated[
            Path | None,
            typer.Option(help="Checkpoints kept from GET /v1/audit/checkpoints (with --file)."),
        ] = None,
        public_key: Annotated[
            str | None, typer.Option(help="The Ed25519 public key (base64) you kept.")
        ] = None,
        org: Annotated[str | None, typer.Option(help="One org's chain in the database.")] = None,
    ) -> None:
        """Verify the audit chain: an export file offline, or the database's (every org, or
        --org). Prints one JSON verdict per chain; exits 1 if any fails."""
        if file is not None:
            verdicts = {"file": verify_file(file, checkpoints, public_key).as_dict()}
        else:
            verdicts = _verify_database(org)
        typer.echo(json.dumps(verdicts, indent=2))
        if not all(v["ok"] for v in verdicts.values()):
            raise typer.Exit(1)


def _verify_database(org: str | None) -> dict[str, dict[str, Any]]:
    from tinko.audit import service
    from tinko.audit.signing import Signer
    from tinko.config import load_settings
    from tinko.db import make_engine, make_session_factory, unit_of_work

    settings = load_settings()
    signer = Signer(settings.secret_key, settings.audit_signing_key)
    engine = make_engine(settings.resolved_database_url, read_only=settings.is_sqlite)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            orgs = [org] if org else service.org_ids(session)
            return {
                org_id: service.verify_org(session, signer.public_keys(), org_id).as_dict()
                for org_id in orgs
            }
    finally:
        engine.dispose()
