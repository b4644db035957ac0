"""eAkte: Akte, Vorgang, document versions and locks, legal holds, integrity findings; the xdomea
Aussonderung cycle and disposal records (replacing the per-case archive hand-off rows)

Every existing document becomes version 1 of itself; every archive hand-off becomes the disposal
record of the case it handed off.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 08:00:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls, every_towns_rows

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = (
    "akte", "vorgang", "legal_hold", "document_version", "integrity_finding", "aussonderung",
    "aussonderung_object", "disposal_record",
)


def _tenant_column(table: str) -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Integer(), sa.ForeignKey("tenant.id", name=f"fk_{table}_tenant_id_tenant", ondelete="RESTRICT"),
        nullable=False,
    )


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def _records() -> None:
    op.create_table(
        "akte",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("aktenzeichen", sa.String(length=60), nullable=False),
        sa.Column("unit_number", sa.String(length=40), nullable=False),
        sa.Column("unit_title", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("akte"),
        sa.PrimaryKeyConstraint("id", name="pk_akte"),
        sa.UniqueConstraint("tenant_id", "uuid", name="uq_akte_tenant_id_uuid"),
        sa.UniqueConstraint("tenant_id", "aktenzeichen", name="uq_akte_tenant_id_aktenzeichen"),
        sa.UniqueConstraint("tenant_id", "unit_number", "year", name="uq_akte_tenant_id_unit_number_year"),
    )
    op.create_index("ix_akte_tenant_id", "akte", ["tenant_id"])

    op.create_table(
        "vorgang",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("akte_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("aktenzeichen", sa.String(length=80), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=False),
        sa.Column("archive_hint", sa.String(length=1), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("retention_ends_on", sa.Date(), nullable=True),
        sa.Column("worm_until", sa.Date(), nullable=True),
        _tenant_column("vorgang"),
        _fk("vorgang", "akte_id", "akte", "RESTRICT"),
        _fk("vorgang", "case_id", "case_file", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_vorgang"),
        sa.UniqueConstraint("tenant_id", "uuid", name="uq_vorgang_tenant_id_uuid"),
        sa.UniqueConstraint("tenant_id", "aktenzeichen", name="uq_vorgang_tenant_id_aktenzeichen"),
        sa.UniqueConstraint("tenant_id", "akte_id", "number", name="uq_vorgang_tenant_id_akte_id_number"),
        sa.UniqueConstraint("tenant_id", "case_id", name="uq_vorgang_tenant_id_case_id"),
    )
    op.create_index("ix_vorgang_tenant_id", "vorgang", ["tenant_id"])
    op.create_index("ix_vorgang_akte_id", "vorgang", ["akte_id"])
    op.create_index("ix_vorgang_retention_ends_on", "vorgang", ["retention_ends_on"])

    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vorgang_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        _tenant_column("legal_hold"),
        _fk("legal_hold", "vorgang_id", "vorgang", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_legal_hold"),
    )
    op.create_index("ix_legal_hold_tenant_id", "legal_hold", ["tenant_id"])
    op.create_index("ix_legal_hold_vorgang_id", "legal_hold", ["vorgang_id"])


def _versions() -> None:
    with op.batch_alter_table("document") as batch_op:
        batch_op.add_column(sa.Column("locked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("locked_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_document_locked_by_id_user_account", "user_account", ["locked_by_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("document_version"),
        _fk("document_version", "document_id", "document", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_document_version"),
        sa.UniqueConstraint("tenant_id", "storage_key", name="uq_document_version_tenant_id_storage_key"),
        sa.UniqueConstraint("tenant_id", "document_id", "number", name="uq_document_version_tenant_id_document_id_number"),
    )
    op.create_index("ix_document_version_tenant_id", "document_version", ["tenant_id"])
    op.create_index("ix_document_version_document_id", "document_version", ["document_id"])
    # The new table gets its policy after the copy; the copy reads every town's documents.
    with every_towns_rows(op, "document"):
        op.execute(
            "INSERT INTO document_version (document_id, number, storage_key, filename, content_type, size, sha256, "
            "channel, created_by, created_at, tenant_id) "
            "SELECT id, 1, storage_key, filename, content_type, size, sha256, "
            "CASE source WHEN 'citizen' THEN 'portal' WHEN 'clerk' THEN 'intake' ELSE 'generated' END, "
            "source, created_at, tenant_id FROM document"
        )
    if op.get_bind().dialect.name == "postgresql":
        # Defence in depth below the ORM guard: a version's content is never changed.
        op.execute(
            "CREATE FUNCTION document_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'document_version % is immutable', OLD.id; END $$"
        )
        op.execute(
            "CREATE TRIGGER document_version_immutable BEFORE UPDATE ON document_version "
            "FOR EACH ROW EXECUTE FUNCTION document_version_immutable()"
        )

    op.create_table(
        "integrity_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("problem", sa.String(length=20), nullable=False),
        sa.Column("expected_sha256", sa.String(length=64), nullable=False),
        sa.Column("actual_sha256", sa.String(length=64), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        _tenant_column("integrity_finding"),
        _fk("integrity_finding", "version_id", "document_version", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_integrity_finding"),
    )
    op.create_index("ix_integrity_finding_tenant_id", "integrity_finding", ["tenant_id"])
    op.create_index("ix_integrity_finding_version_id", "integrity_finding", ["version_id"])


def _aussonderung() -> None:
    op.create_table(
        "aussonderung",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offer_file", sa.String(length=300), nullable=False),
        sa.Column("offer_sha256", sa.String(length=64), nullable=False),
        sa.Column("offer_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment_receipt_file", sa.String(length=300), nullable=True),
        sa.Column("handed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("package_file", sa.String(length=300), nullable=True),
        sa.Column("package_sha256", sa.String(length=64), nullable=True),
        sa.Column("package_size", sa.BigInteger(), nullable=True),
        sa.Column("package_received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("aussonderung"),
        sa.PrimaryKeyConstraint("id", name="pk_aussonderung"),
        sa.UniqueConstraint("tenant_id", "process_id", name="uq_aussonderung_tenant_id_process_id"),
    )
    op.create_index("ix_aussonderung_tenant_id", "aussonderung", ["tenant_id"])
    op.create_index("ix_aussonderung_state", "aussonderung", ["state"])

    op.create_table(
        "aussonderung_object",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aussonderung_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("vorgang_id", sa.Integer(), nullable=True),
        sa.Column("aktenzeichen", sa.String(length=80), nullable=False),
        sa.Column("unit_number", sa.String(length=40), nullable=False),
        sa.Column("hint", sa.String(length=1), nullable=False),
        sa.Column("decision", sa.String(length=1), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("archive_reference", sa.String(length=200), nullable=True),
        sa.Column("import_error", sa.Text(), nullable=True),
        _tenant_column("aussonderung_object"),
        _fk("aussonderung_object", "aussonderung_id", "aussonderung", "CASCADE"),
        _fk("aussonderung_object", "vorgang_id", "vorgang", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_aussonderung_object"),
        sa.UniqueConstraint("tenant_id", "aussonderung_id", "object_id",
                            name="uq_aussonderung_object_tenant_id_aussonderung_id_object_id"),
    )
    op.create_index("ix_aussonderung_object_tenant_id", "aussonderung_object", ["tenant_id"])
    op.create_index("ix_aussonderung_object_aussonderung_id", "aussonderung_object", ["aussonderung_id"])
    op.create_index("ix_aussonderung_object_vorgang_id", "aussonderung_object", ["vorgang_id"])

    op.create_table(
        "disposal_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_reference", sa.String(length=20), nullable=False),
        sa.Column("aktenzeichen", sa.String(length=80), nullable=True),
        sa.Column("unit_number", sa.String(length=40), nullable=True),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("disposal", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=20), nullable=False),
        sa.Column("aussonderung_id", sa.Integer(), nullable=True),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("byte_count", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_column("disposal_record"),
        _fk("disposal_record", "aussonderung_id", "aussonderung", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_disposal_record"),
        sa.UniqueConstraint("tenant_id", "case_reference", name="uq_disposal_record_tenant_id_case_reference"),
    )
    op.create_index("ix_disposal_record_tenant_id", "disposal_record", ["tenant_id"])
    # A case handed off before the cycle existed went straight to the archive as its own 0503.
    with every_towns_rows(op, "archive_handoff"):
        op.execute(
            "INSERT INTO disposal_record (case_reference, process_slug, closed_on, disposal, decided_by, "
            "document_count, byte_count, deleted_at, tenant_id) "
            "SELECT case_reference, process_slug, closed_on, 'handed_off', 'process', document_count, 0, "
            "created_at, tenant_id FROM archive_handoff"
        )
    disable_rls(op, "archive_handoff")
    op.drop_table("archive_handoff")


def upgrade():
    _records()
    _versions()
    _aussonderung()
    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    # The disposal records of earlier hand-offs cannot become hand-off rows again (their package
    # names and checksums were not kept); the packages themselves stay in ARCHIVE_DIR.
    op.create_table(
        "archive_handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_reference", sa.String(length=20), nullable=False),
        sa.Column("process_slug", sa.String(length=80), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name="fk_archive_handoff_tenant_id_tenant",
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name="pk_archive_handoff"),
        sa.UniqueConstraint("tenant_id", "case_reference", name="uq_archive_handoff_tenant_id_case_reference"),
        sa.UniqueConstraint("tenant_id", "process_id", name="uq_archive_handoff_tenant_id_process_id"),
    )
    op.create_index("ix_archive_handoff_tenant_id", "archive_handoff", ["tenant_id"])
    enable_rls(op, "archive_handoff")
    for table in reversed(TABLES):
        disable_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER document_version_immutable ON document_version")
        op.execute("DROP FUNCTION document_version_immutable()")
    for table in reversed(TABLES):
        op.drop_table(table)
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_constraint("fk_document_locked_by_id_user_account", type_="foreignkey")
        batch_op.drop_column("locked_at")
        batch_op.drop_column("locked_by")
        batch_op.drop_column("locked_by_id")
