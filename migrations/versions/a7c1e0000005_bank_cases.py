"""bank: case steps (problem resolution, claims, deliveries) and deliveries

Revision ID: a7c1e0000005
Revises: a7c1e0000004
Create Date: 2026-11-25 11:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'a7c1e0000005'
down_revision = 'a7c1e0000004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_case_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=254), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['membership.id'], name=op.f('fk_bank_case_step_done_by_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_bank_case_step_request_id_service_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_case_step_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_case_step')),
    sa.UniqueConstraint('tenant_id', 'request_id', 'seq', name=op.f('uq_bank_case_step_tenant_id_request_id_seq'))
    )
    with op.batch_alter_table('bank_case_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_case_step_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('bank_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('recipient_name', sa.String(length=80), nullable=True),
    sa.Column('id_checked', sa.Boolean(), nullable=False),
    sa.Column('handed_by_id', sa.Integer(), nullable=True),
    sa.Column('handed_by', sa.String(length=254), nullable=True),
    sa.Column('handed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_delivery_branch_id_bank_branch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['member_contact.id'], name=op.f('fk_bank_delivery_contact_id_member_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handed_by_id'], ['membership.id'], name=op.f('fk_bank_delivery_handed_by_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_bank_delivery_request_id_service_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_delivery_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_delivery')),
    sa.UniqueConstraint('tenant_id', 'request_id', name=op.f('uq_bank_delivery_tenant_id_request_id'))
    )
    with op.batch_alter_table('bank_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_delivery_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_delivery_tenant_id'))
    op.drop_table('bank_delivery')
    with op.batch_alter_table('bank_case_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_case_step_tenant_id'))
    op.drop_table('bank_case_step')
