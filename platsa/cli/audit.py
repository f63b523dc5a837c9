"""``platsa audit``: check, read and prune the audit log; ``platsa participants erase``.

* ``platsa audit verify`` walks the hash chain and exits 1 naming the first broken link.
* ``platsa audit show --participant ID`` lists the entries about a participant: those with
  them as subject and those that exposed them (candidate lists, coaches' lists).
* ``platsa audit prune --before DATE`` deletes entries logged before DATE, which must be at
  least six months ago (EU AI Act art. 26(6)); the prune is itself logged.
* ``platsa participants erase ID [--vacuum]`` erases a participant as the API does, and
  can rebuild the database file afterwards.

Commands act as the local administrator: the log names them ``cli:<login name>``.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from platsa.cli.common import AsJson, ExitCode, errors_as_lines, fail, print_json
from platsa.cli.helpers import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from platsa.services.security import Principal
    from platsa.settings import Settings


def _store() -> tuple[Settings, Engine]:
    from matcher.store.engine import init_db

    settings = load_settings()
    return settings, init_db(settings.paths.resolved_database_url)


def _operator() -> Principal:
    from platsa.services.security import Principal, Role

    return Principal(f"cli:{getpass.getuser()}", Role.ADMIN)


def verify(as_json: AsJson = False) -> None:
    """Check the audit log's hash chain from the last prune to the head (exit 1 when broken)."""
    from matcher.store.engine import session_scope
    from serving.audit import verify as walk

    with errors_as_lines():
        _, engine = _store()
        with session_scope(engine) as session:
            found = walk(session)
        engine.dispose()
    if as_json:
        print_json({"intact": found.intact, "checked": found.checked, "head_id": found.head_id,
                    "head_hash": found.head_hash, "broken_at": found.broken_at,
                    "reason": found.reason or None})
    if not found.intact:
        fail(f"audit log broken at entry {found.broken_at}: {found.reason}", ExitCode.UNEXPECTED)
    if not as_json:
        typer.echo(f"audit log intact: {found.checked} entries checked; head entry {found.head_id}, "
                   f"hash {found.head_hash}")


def show(
    participant: Annotated[str, typer.Option("--participant", help="The participant's id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest entries shown.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
) -> None:
    """Entries about a participant (as subject or exposed in a list), newest first."""
    from matcher.store.engine import session_scope
    from platsa.services.security import Pseudonymizer, load_or_create_secret
    from serving.audit import entries

    with errors_as_lines():
        settings, engine = _store()
        ref = Pseudonymizer(load_or_create_secret(settings.paths.resolved_secret_path)).subject_ref(
            "participant", participant)
        with session_scope(engine) as session:
            found = [{"id": e.id, "at": e.at.isoformat(), "user_id": e.user_id, "role": e.role,
                      "action": e.action, "subject_kind": e.subject_kind,
                      "model_version": e.model_version, "shown": e.shown}
                     for e in entries(session, subject_ref=ref, limit=limit)]
        engine.dispose()
    if as_json:
        print_json(found)
        return
    for entry in found:
        typer.echo(f"{entry['id']:>8}  {entry['at']}  {entry['user_id']:<16} {entry['action']}")
    typer.echo(f"{len(found)} entries", err=True)


def prune(
    before: Annotated[dt.datetime, typer.Option(
        "--before", formats=["%Y-%m-%d"], help="Delete entries logged before this date "
        "(at least six months ago).")],
    as_json: AsJson = False,
) -> None:
    """Delete old entries (six months are always kept); the prune itself is logged."""
    from matcher.store.engine import session_scope
    from serving.audit import prune as delete_before

    with errors_as_lines():
        _, engine = _store()
        with session_scope(engine) as session:
            done = delete_before(session, _operator(), before.date())
        engine.dispose()
    if as_json:
        print_json({"deleted": done.deleted, "before": before.date().isoformat(),
                    "anchor_id": done.anchor_id, "entry_id": done.entry_id})
        return
    typer.echo(f"pruned {done.deleted} entries logged before {before.date().isoformat()}; "
               f"logged as entry {done.entry_id}")


def erase(
    participant: Annotated[str, typer.Argument(help="The participant's id.")],
    vacuum: Annotated[bool, typer.Option(
        "--vacuum", help="Also rebuild the database file (locks it while it runs).")] = False,
    as_json: AsJson = False,
) -> None:
    """Erase a participant (GDPR art. 17) as the API does: profile, cached vectors, traces."""
    from matcher.domain import Participant
    from matcher.store.engine import session_scope
    from matcher.store.repositories import get_record
    from platsa import assembly
    from platsa.services.security import Pseudonymizer, load_or_create_secret
    from serving import audit, erasure

    with errors_as_lines():
        settings, engine = _store()
        pseudo = Pseudonymizer(load_or_create_secret(settings.paths.resolved_secret_path))
        with session_scope(engine) as session:
            person = get_record(session, Participant, participant)
            erased = erasure.erase(session, participant)
            audit.record(session, _operator(), audit.Action.PARTICIPANT_ERASE, "participant",
                         pseudo.subject_ref("participant", participant))
        erasure.scrub(engine, vacuum=vacuum)
        engine.dispose()
        encoders = assembly.text_encoders(settings, embeddings=settings.encoder.text_embeddings)
        text = assembly.recommender(assembly.load_taxonomy(settings), encoders).participant_text(person)
        forgotten = encoders.forget([text])
    if as_json:
        print_json({"participant_id": participant, "placements_kept": erased.placements_kept,
                    "answers_forgotten": erased.answers_forgotten, "vectors_deleted": forgotten})
        return
    typer.echo(f"erased {participant}: {erased.placements_kept} placements kept anonymous, "
               f"{forgotten} cached vectors deleted; running workers forget theirs within "
               f"{settings.serving.erasure_poll_seconds:g} s")


def register(app: typer.Typer) -> None:
    """Add ``audit`` and ``participants`` to ``app``."""
    audit_app = typer.Typer(help="The audit log: verify, show, prune.", no_args_is_help=True)
    audit_app.command("verify")(verify)
    audit_app.command("show")(show)
    audit_app.command("prune")(prune)
    app.add_typer(audit_app, name="audit")
    participants_app = typer.Typer(help="Participants in the store.", no_args_is_help=True)
    participants_app.command("erase")(erase)
    app.add_typer(participants_app, name="participants")
