"""hotel: per-tenant protocol, assignments, planning, reminders

Revision ID: a7c1e0000002
Revises: a7c1e0000001
Create Date: 2026-11-25 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c1e0000002'
down_revision = 'a7c1e0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hotel_protocol',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('amenities', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('remind_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_hotel_protocol_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotel_protocol')),
    sa.UniqueConstraint('tenant_id', 'level', name=op.f('uq_hotel_protocol_tenant_id_level'))
    )
    with op.batch_alter_table('hotel_protocol', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotel_protocol_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('hotel_staff_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('service_start', sa.Date(), nullable=True),
    sa.Column('grade', sa.String(length=12), nullable=False),
    sa.Column('away', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_hotel_staff_profile_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_hotel_staff_profile_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotel_staff_profile')),
    sa.UniqueConstraint('tenant_id', 'membership_id', name=op.f('uq_hotel_staff_profile_tenant_id_membership_id'))
    )
    with op.batch_alter_table('hotel_staff_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotel_staff_profile_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('hotel_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stay_id', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('history', sa.JSON(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=254), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['stay_id'], ['hotel_stay.id'], name=op.f('fk_hotel_plan_stay_id_hotel_stay'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_hotel_plan_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotel_plan')),
    sa.UniqueConstraint('tenant_id', 'stay_id', name=op.f('uq_hotel_plan_tenant_id_stay_id'))
    )
    with op.batch_alter_table('hotel_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotel_plan_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('hotel_stay', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amenities', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('guest_notes', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('stand_in_notified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('stand_in_name', sa.String(length=120), nullable=True))

    with op.batch_alter_table('hotel_step', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assignee_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hotel_step_assignee_id_membership'), 'membership', ['assignee_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('hotel_step', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hotel_step_assignee_id_membership'), type_='foreignkey')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('assignee_name')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('title')

    with op.batch_alter_table('hotel_stay', schema=None) as batch_op:
        batch_op.drop_column('stand_in_name')
        batch_op.drop_column('stand_in_notified_at')
        batch_op.drop_column('guest_notes')
        batch_op.drop_column('amenities')

    with op.batch_alter_table('hotel_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotel_plan_tenant_id'))

    op.drop_table('hotel_plan')
    with op.batch_alter_table('hotel_staff_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotel_staff_profile_tenant_id'))

    op.drop_table('hotel_staff_profile')
    with op.batch_alter_table('hotel_protocol', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hotel_protocol_tenant_id'))

    op.drop_table('hotel_protocol')
