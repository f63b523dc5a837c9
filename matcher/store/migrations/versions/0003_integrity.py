"""Integrity: a hash-chained, database-enforced append-only audit log, and idempotency keys.

Revision ID: 0003_integrity
Revises: 0003_opening_contact
Create Date: 2026-12-08

* ``audit_events`` gains ``prev_hash`` and ``hash`` (SHA-256 of the entry's canonical form,
  :func:`serving.audit.entry_hash`); entries already logged are chained here, in id order.
* ``audit_subjects``: further participants an entry exposed (a candidate list's people),
  each as the same keyed digest as ``subject_ref``, so they are found by participant.
* ``audit_chain``: one row, the chain's head (last id and hash) and its prune anchor.
* Triggers, on SQLite and PostgreSQL alike, make the log append-only in the database
  itself (see :data:`SQLITE_TRIGGERS` and :data:`POSTGRES_TRIGGERS` for the rules).
* ``idempotency_keys``: the first answer to each (caller, ``Idempotency-Key``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_integrity"
down_revision: str | None = "0003_opening_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=64)
DIGEST = sa.String(length=64)
WHEN = sa.DateTime(timezone=True)
GENESIS = "0" * 64

APPEND_ONLY = "audit log is append-only"
#: SQLite: the rules, one trigger each. ``RAISE`` aborts the statement (and the change).
SQLITE_TRIGGERS = (
    # Entries are never changed.
    f"""CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: entries cannot be changed'); END""",
    # Entries are deleted only up to the prune anchor.
    f"""CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    WHEN OLD.id > (SELECT anchor_id FROM audit_chain WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: only entries a logged prune covers can be
    deleted (platsa audit prune)'); END""",
    # A new entry continues the chain head, which then moves to it.
    f"""CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    BEGIN
      SELECT RAISE(ABORT, '{APPEND_ONLY}: a new entry must continue the chain head
      (id = last_id + 1, prev_hash = last_hash)')
      WHERE NOT EXISTS (SELECT 1 FROM audit_chain WHERE id = 1
                        AND NEW.id = last_id + 1 AND NEW.prev_hash = last_hash);
      UPDATE audit_chain SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
    END""",
    f"""CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: exposures cannot be changed'); END""",
    f"""CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
    WHEN OLD.event_id > (SELECT anchor_id FROM audit_chain WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: only exposures a logged prune covers can be
    deleted'); END""",
    f"""CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: the chain head cannot be deleted'); END""",
    # The head only moves forward, one entry at a time (the insert trigger moves it); the
    # anchor only forward, onto an entry older than six months whose hash it repeats, and
    # only with a logged prune entry after it.
    f"""CREATE TRIGGER audit_chain_moves BEFORE UPDATE ON audit_chain
    WHEN NEW.id != OLD.id
      OR (NEW.last_id, NEW.last_hash) IS NOT (OLD.last_id, OLD.last_hash)
         AND NEW.last_id != OLD.last_id + 1
      OR (NEW.anchor_id, NEW.anchor_hash, NEW.prune_id)
         IS NOT (OLD.anchor_id, OLD.anchor_hash, OLD.prune_id)
         AND NOT (NEW.anchor_id > OLD.anchor_id
                  AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.anchor_id
                              AND hash = NEW.anchor_hash
                              AND at < datetime('now', '-6 months'))
                  AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.prune_id
                              AND action = 'audit.prune' AND id > NEW.anchor_id))
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}: the chain head and anchor only move as
    appending and a logged prune of entries older than six months move them'); END""",
)
SQLITE_TRIGGER_NAMES = ("audit_events_no_update", "audit_events_no_delete", "audit_events_chain",
                        "audit_subjects_no_update", "audit_subjects_no_delete",
                        "audit_chain_no_delete", "audit_chain_moves")

#: PostgreSQL: the same rules as trigger functions.
POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION platsa_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      anchor integer := (SELECT anchor_id FROM audit_chain WHERE id = 1);
    BEGIN
      -- nested: a condition naming a column the other table lacks must not be evaluated
      IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'audit_events' THEN
          IF OLD.id <= anchor THEN
            RETURN OLD;
          END IF;
        ELSIF OLD.event_id <= anchor THEN
          RETURN OLD;
        END IF;
      END IF;
      RAISE EXCEPTION '{APPEND_ONLY}: % of % refused (only entries a logged prune covers can be
        deleted; none can be changed)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
    END $$""",
    f"""CREATE FUNCTION platsa_audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '{APPEND_ONLY}: TRUNCATE of % refused', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
    END $$""",
    f"""CREATE FUNCTION platsa_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      head audit_chain%ROWTYPE;
    BEGIN
      SELECT * INTO head FROM audit_chain WHERE id = 1 FOR UPDATE;
      IF NOT FOUND OR NEW.id IS DISTINCT FROM head.last_id + 1
         OR NEW.prev_hash IS DISTINCT FROM head.last_hash THEN
        RAISE EXCEPTION '{APPEND_ONLY}: a new entry must continue the chain head
          (id = last_id + 1, prev_hash = last_hash)' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      UPDATE audit_chain SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
      RETURN NEW;
    END $$""",
    f"""CREATE FUNCTION platsa_audit_chain_moves() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR NEW.id <> OLD.id
         OR (NEW.last_id, NEW.last_hash) IS DISTINCT FROM (OLD.last_id, OLD.last_hash)
            AND NEW.last_id <> OLD.last_id + 1
         OR (NEW.anchor_id, NEW.anchor_hash, NEW.prune_id)
            IS DISTINCT FROM (OLD.anchor_id, OLD.anchor_hash, OLD.prune_id)
            AND NOT (NEW.anchor_id > OLD.anchor_id
                     AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.anchor_id
                                 AND hash = NEW.anchor_hash AND at < now() - interval '6 months')
                     AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.prune_id
                                 AND action = 'audit.prune' AND id > NEW.anchor_id)) THEN
        RAISE EXCEPTION '{APPEND_ONLY}: the chain head and anchor only move as appending and a
          logged prune of entries older than six months move them'
          USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_events_refuse BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION platsa_audit_refuse()""",
    """CREATE TRIGGER audit_subjects_refuse BEFORE UPDATE OR DELETE ON audit_subjects
    FOR EACH ROW EXECUTE FUNCTION platsa_audit_refuse()""",
    """CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION platsa_audit_chain()""",
    """CREATE TRIGGER audit_chain_moves BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION platsa_audit_chain_moves()""",
    # TRUNCATE fires no row trigger: refuse it per statement.
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION platsa_audit_no_truncate()""",
    """CREATE TRIGGER audit_subjects_no_truncate BEFORE TRUNCATE ON audit_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION platsa_audit_no_truncate()""",
    """CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION platsa_audit_no_truncate()""",
)
POSTGRES_DROPS = (
    "DROP TRIGGER IF EXISTS audit_events_refuse ON audit_events",
    "DROP TRIGGER IF EXISTS audit_subjects_refuse ON audit_subjects",
    "DROP TRIGGER IF EXISTS audit_events_chain ON audit_events",
    "DROP TRIGGER IF EXISTS audit_chain_moves ON audit_chain",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_subjects_no_truncate ON audit_subjects",
    "DROP TRIGGER IF EXISTS audit_chain_no_truncate ON audit_chain",
    "DROP FUNCTION IF EXISTS platsa_audit_refuse()",
    "DROP FUNCTION IF EXISTS platsa_audit_no_truncate()",
    "DROP FUNCTION IF EXISTS platsa_audit_chain()",
    "DROP FUNCTION IF EXISTS platsa_audit_chain_moves()",
)


def _chain_existing_entries() -> tuple[int, str]:
    """Hash the entries logged before this revision, in id order; returns the head."""
    from serving.audit import entry_hash  # the one canonical form (also used by verify)

    connection = op.get_bind()
    events = sa.Table("audit_events", sa.MetaData(), autoload_with=connection)
    rows = connection.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    last_id, last_hash = 0, GENESIS
    for row in rows:
        entry = {**row, "prev_hash": last_hash}
        last_id, last_hash = row["id"], entry_hash(entry)
        connection.execute(events.update().where(events.c.id == last_id)
                           .values(prev_hash=entry["prev_hash"], hash=last_hash))
    return last_id, last_hash


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("prev_hash", DIGEST, nullable=True))
        batch.add_column(sa.Column("hash", DIGEST, nullable=True))
    last_id, last_hash = _chain_existing_entries()
    with op.batch_alter_table("audit_events") as batch:
        batch.alter_column("prev_hash", existing_type=DIGEST, nullable=False)
        batch.alter_column("hash", existing_type=DIGEST, nullable=False)

    op.create_table(
        "audit_subjects",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject_ref", DIGEST, nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["audit_events.id"],
                                name=op.f("fk_audit_subjects_event_id_audit_events")),
        sa.PrimaryKeyConstraint("event_id", "subject_ref", name=op.f("pk_audit_subjects")),
    )
    op.create_index(op.f("ix_audit_subjects_subject_ref"), "audit_subjects", ["subject_ref"])

    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", DIGEST, nullable=False),
        sa.Column("anchor_id", sa.Integer(), nullable=False),
        sa.Column("anchor_hash", DIGEST, nullable=False),
        sa.Column("prune_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.bulk_insert(chain, [{"id": 1, "last_id": last_id, "last_hash": last_hash,
                            "anchor_id": 0, "anchor_hash": GENESIS, "prune_id": None}])

    op.create_table(
        "idempotency_keys",
        sa.Column("scope", DIGEST, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", DIGEST, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for statement in POSTGRES_DROPS:
            op.execute(statement)
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_table("audit_chain")
    op.drop_index(op.f("ix_audit_subjects_subject_ref"), table_name="audit_subjects")
    op.drop_table("audit_subjects")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
