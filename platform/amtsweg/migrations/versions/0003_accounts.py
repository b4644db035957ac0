"""staff accounts: town users and platform users

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 23:20:00

"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = "0002"
branch_labels = None
depends_on = None


def _account_columns() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('roles', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade():
    op.create_table('user_account',
    *_account_columns(),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_user_account_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('tenant_id', 'issuer', 'subject', name=op.f('uq_user_account_tenant_id_issuer_subject'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_tenant_id'), ['tenant_id'], unique=False)
    enable_rls(op, "user_account")

    op.create_table('platform_user',
    *_account_columns(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_user')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_platform_user_issuer_subject'))
    )


def downgrade():
    op.drop_table('platform_user')
    disable_rls(op, "user_account")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_tenant_id'))
    op.drop_table('user_account')
