"""process library: processes, immutable versions, per-town enablement

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:30:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "process",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process")),
        sa.UniqueConstraint("slug", name=op.f("uq_process_slug")),
    )
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_category"), ["category"], unique=False)

    op.create_table(
        "process_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"], ["process.id"], name=op.f("fk_process_version_process_id_process"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_version")),
        sa.UniqueConstraint("process_id", "version", name=op.f("uq_process_version_process_id")),
    )

    op.create_table(
        "process_enablement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"], ["process.id"], name=op.f("fk_process_enablement_process_id_process"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_process_enablement_tenant_id_tenant"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_enablement")),
        sa.UniqueConstraint("tenant_id", "process_id", name=op.f("uq_process_enablement_tenant_id")),
    )
    with op.batch_alter_table("process_enablement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_enablement_tenant_id"), ["tenant_id"], unique=False)
    enable_rls(op, "process_enablement")
    if op.get_bind().dialect.name == "postgresql":
        # Versions are immutable whoever connects (cases refer to them).
        op.execute(
            "CREATE FUNCTION amtsweg_process_version_immutable() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'process versions are immutable'; END $$"
        )
        op.execute(
            "CREATE TRIGGER process_version_immutable BEFORE UPDATE OR DELETE ON process_version "
            "FOR EACH ROW EXECUTE FUNCTION amtsweg_process_version_immutable()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS process_version_immutable ON process_version")
        op.execute("DROP FUNCTION IF EXISTS amtsweg_process_version_immutable()")
    disable_rls(op, "process_enablement")
    with op.batch_alter_table("process_enablement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_enablement_tenant_id"))
    op.drop_table("process_enablement")
    op.drop_table("process_version")
    with op.batch_alter_table("process", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_category"))
    op.drop_table("process")
