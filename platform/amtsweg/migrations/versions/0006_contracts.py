"""contracts: contracts, history, documents, reminders, calendar feeds, import previews

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op
from amtsweg.tenancy.rls import disable_rls, enable_rls

revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ['contract_number_counter', 'contract', 'contract_calendar_feed', 'contract_import', 'contract_change', 'contract_reminder', 'contract_document']


def upgrade():
    op.create_table('contract_number_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_number_counter_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_number_counter')),
    sa.UniqueConstraint('tenant_id', 'year', name=op.f('uq_contract_number_counter_tenant_id_year'))
    )
    with op.batch_alter_table('contract_number_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_number_counter_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('contract_type', sa.String(length=30), nullable=False),
    sa.Column('partner_name', sa.String(length=200), nullable=False),
    sa.Column('partner_address', sa.Text(), nullable=False),
    sa.Column('partner_contact', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=120), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('deputy_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('minimum_term', sa.String(length=100), nullable=False),
    sa.Column('notice_period', sa.String(length=200), nullable=False),
    sa.Column('renewal_period', sa.String(length=100), nullable=False),
    sa.Column('value_cents', sa.Integer(), nullable=True),
    sa.Column('value_interval', sa.String(length=20), nullable=False),
    sa.Column('cost_centre', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('next_notice_by', sa.Date(), nullable=True),
    sa.Column('next_end_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['user_account.id'], name=op.f('fk_contract_deputy_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'], name=op.f('fk_contract_responsible_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('tenant_id', 'number', name=op.f('uq_contract_tenant_id_number'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_responsible_id'), ['responsible_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_contract_tenant_next_end_on', ['tenant_id', 'next_end_on'], unique=False)
        batch_op.create_index('ix_contract_tenant_next_notice_by', ['tenant_id', 'next_notice_by'], unique=False)

    op.create_table('contract_calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_calendar_feed_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_contract_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_calendar_feed')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_contract_calendar_feed_tenant_id_token_hash')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_contract_calendar_feed_tenant_id_user_id'))
    )
    with op.batch_alter_table('contract_calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_calendar_feed_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_contract_import_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_import_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_import')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_contract_import_tenant_id_token_hash'))
    )
    with op.batch_alter_table('contract_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_import_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=False),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_change_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_change_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_change'))
    )
    with op.batch_alter_table('contract_change', schema=None) as batch_op:
        batch_op.create_index('ix_contract_change_tenant_contract', ['tenant_id', 'contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_change_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('notice_by', sa.Date(), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_reminder_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_reminder_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_reminder')),
    sa.UniqueConstraint('tenant_id', 'contract_id', 'notice_by', 'lead_days', name=op.f('uq_contract_reminder_tenant_id_contract_id_notice_by_lead_days'))
    )
    with op.batch_alter_table('contract_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_reminder_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('contract_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_document_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_contract_document_document_id_document'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_contract_document_tenant_id_tenant'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_document')),
    sa.UniqueConstraint('tenant_id', 'contract_id', 'title', 'version', name=op.f('uq_contract_document_tenant_id_contract_id_title_version'))
    )
    with op.batch_alter_table('contract_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_document_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_document_tenant_id'), ['tenant_id'], unique=False)
    for table in TABLES:
        enable_rls(op, table)


def downgrade():
    for table in reversed(TABLES):
        disable_rls(op, table)
    with op.batch_alter_table('contract_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_document_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_contract_document_contract_id'))

    op.drop_table('contract_document')
    with op.batch_alter_table('contract_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_reminder_tenant_id'))

    op.drop_table('contract_reminder')
    with op.batch_alter_table('contract_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_change_tenant_id'))
        batch_op.drop_index('ix_contract_change_tenant_contract')

    op.drop_table('contract_change')
    with op.batch_alter_table('contract_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_import_tenant_id'))

    op.drop_table('contract_import')
    with op.batch_alter_table('contract_calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_calendar_feed_tenant_id'))

    op.drop_table('contract_calendar_feed')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_tenant_next_notice_by')
        batch_op.drop_index('ix_contract_tenant_next_end_on')
        batch_op.drop_index(batch_op.f('ix_contract_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_contract_status'))
        batch_op.drop_index(batch_op.f('ix_contract_responsible_id'))
        batch_op.drop_index(batch_op.f('ix_contract_deputy_id'))

    op.drop_table('contract')
    with op.batch_alter_table('contract_number_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_number_counter_tenant_id'))

    op.drop_table('contract_number_counter')
