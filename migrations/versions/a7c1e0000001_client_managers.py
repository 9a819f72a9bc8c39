"""client managers, portfolios and company contacts (core)

Revision ID: a7c1e0000001
Revises: 3e89dba5ccd8
Create Date: 2026-11-25 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c1e0000001'
down_revision = '3e89dba5ccd8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client_manager_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('from_manager_id', sa.Integer(), nullable=True),
    sa.Column('to_manager_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['from_manager_id'], ['membership.id'], name=op.f('fk_client_manager_change_from_manager_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_client_manager_change_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_client_manager_change_tenant_id_tenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_manager_id'], ['membership.id'], name=op.f('fk_client_manager_change_to_manager_id_membership'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_manager_change'))
    )
    with op.batch_alter_table('client_manager_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_manager_change_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_client_manager_change_tenant_member', ['tenant_id', 'member_id', 'id'], unique=False)

    op.create_table('member_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=80), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_contact_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_member_contact_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_contact')),
    sa.UniqueConstraint('tenant_id', 'member_id', 'phone', name=op.f('uq_member_contact_tenant_id_member_id_phone'))
    )
    with op.batch_alter_table('member_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_contact_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_member_contact_tenant_phone', ['tenant_id', 'phone'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='person', nullable=False))
        batch_op.add_column(sa.Column('client_manager_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_member_tenant_client_manager', ['tenant_id', 'client_manager_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_member_client_manager_id_membership'), 'membership', ['client_manager_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_member_client_manager_id_membership'), type_='foreignkey')
        batch_op.drop_index('ix_member_tenant_client_manager')
        batch_op.drop_column('client_manager_id')
        batch_op.drop_column('kind')

    op.drop_table('member_contact')
    op.drop_table('client_manager_change')
