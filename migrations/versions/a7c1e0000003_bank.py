"""bank: balances, branch queue, call routing

Revision ID: a7c1e0000003
Revises: a7c1e0000002
Create Date: 2026-11-25 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c1e0000003'
down_revision = 'a7c1e0000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_branch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('hotline', sa.String(length=20), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_branch_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_branch')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_bank_branch_tenant_id_code'))
    )
    with op.batch_alter_table('bank_branch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_branch_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('bank_tier_wait',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tier_key', sa.String(length=32), nullable=False),
    sa.Column('max_wait_minutes', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_tier_wait_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_tier_wait')),
    sa.UniqueConstraint('tenant_id', 'tier_key', name=op.f('uq_bank_tier_wait_tenant_id_tier_key'))
    )
    with op.batch_alter_table('bank_tier_wait', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_tier_wait_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('bank_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('teller_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_counter_branch_id_bank_branch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teller_id'], ['membership.id'], name=op.f('fk_bank_counter_teller_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_counter_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_counter')),
    sa.UniqueConstraint('tenant_id', 'branch_id', 'number', name=op.f('uq_bank_counter_tenant_id_branch_id_number'))
    )
    with op.batch_alter_table('bank_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_counter_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('bank_duty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_duty_branch_id_bank_branch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_bank_duty_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_duty_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_duty')),
    sa.UniqueConstraint('tenant_id', 'branch_id', 'day', name=op.f('uq_bank_duty_tenant_id_branch_id_day'))
    )
    with op.batch_alter_table('bank_duty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_duty_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('bank_seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('extension', sa.String(length=20), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('idle_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_seat_branch_id_bank_branch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_bank_seat_membership_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_seat_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_seat')),
    sa.UniqueConstraint('tenant_id', 'extension', name=op.f('uq_bank_seat_tenant_id_extension'))
    )
    with op.batch_alter_table('bank_seat', schema=None) as batch_op:
        batch_op.create_index('ix_bank_seat_tenant_branch', ['tenant_id', 'branch_id', 'kind', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_seat_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('bank_staff_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_staff_line_branch_id_bank_branch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_bank_staff_line_membership_id_membership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_staff_line_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_staff_line')),
    sa.UniqueConstraint('tenant_id', 'membership_id', name=op.f('uq_bank_staff_line_tenant_id_membership_id'))
    )
    with op.batch_alter_table('bank_staff_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_staff_line_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('bank_balance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('account_no', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_bank_balance_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_balance_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_balance')),
    sa.UniqueConstraint('tenant_id', 'period', 'account_no', name=op.f('uq_bank_balance_tenant_id_period_account_no'))
    )
    with op.batch_alter_table('bank_balance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_balance_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_bank_balance_tenant_member', ['tenant_id', 'member_id', 'period'], unique=False)
    op.create_table('bank_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('business_day', sa.Date(), nullable=False),
    sa.Column('number', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('identified_by', sa.String(length=10), nullable=True),
    sa.Column('tier_key', sa.String(length=32), nullable=True),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('max_wait_minutes', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('for_counter_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('teller_id', sa.Integer(), nullable=True),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recalls', sa.Integer(), nullable=False),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('served_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_ticket_branch_id_bank_branch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['counter_id'], ['bank_counter.id'], name=op.f('fk_bank_ticket_counter_id_bank_counter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['for_counter_id'], ['bank_counter.id'], name=op.f('fk_bank_ticket_for_counter_id_bank_counter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_bank_ticket_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['teller_id'], ['membership.id'], name=op.f('fk_bank_ticket_teller_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_ticket_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_ticket')),
    sa.UniqueConstraint('tenant_id', 'branch_id', 'business_day', 'number', name=op.f('uq_bank_ticket_tenant_id_branch_id_business_day_number'))
    )
    with op.batch_alter_table('bank_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_bank_ticket_tenant_counter', ['tenant_id', 'counter_id', 'status'], unique=False)
        batch_op.create_index('ix_bank_ticket_tenant_deadline', ['tenant_id', 'branch_id', 'status', 'deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_ticket_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_bank_ticket_tenant_queue', ['tenant_id', 'branch_id', 'status', 'priority', 'issued_at'], unique=False)
    op.create_table('bank_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('caller', sa.String(length=20), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('vip', sa.Boolean(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('answered_hop', sa.String(length=16), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['bank_branch.id'], name=op.f('fk_bank_call_branch_id_bank_branch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['member_contact.id'], name=op.f('fk_bank_call_contact_id_member_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['manager_id'], ['membership.id'], name=op.f('fk_bank_call_manager_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_bank_call_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['service_request.id'], name=op.f('fk_bank_call_request_id_service_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_call_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_call')),
    sa.UniqueConstraint('tenant_id', 'external_id', name=op.f('uq_bank_call_tenant_id_external_id'))
    )
    with op.batch_alter_table('bank_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_call_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_bank_call_tenant_started', ['tenant_id', 'started_at'], unique=False)
    op.create_table('bank_call_hop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hop', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=20), nullable=True),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['bank_call.id'], name=op.f('fk_bank_call_hop_call_id_bank_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_bank_call_hop_membership_id_membership'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seat_id'], ['bank_seat.id'], name=op.f('fk_bank_call_hop_seat_id_bank_seat'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_bank_call_hop_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_call_hop')),
    sa.UniqueConstraint('tenant_id', 'call_id', 'seq', name=op.f('uq_bank_call_hop_tenant_id_call_id_seq'))
    )
    with op.batch_alter_table('bank_call_hop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_call_hop_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_call_hop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_call_hop_tenant_id'))
    op.drop_table('bank_call_hop')
    with op.batch_alter_table('bank_call', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_call_tenant_started')
        batch_op.drop_index(batch_op.f('ix_bank_call_tenant_id'))
    op.drop_table('bank_call')
    with op.batch_alter_table('bank_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_ticket_tenant_queue')
        batch_op.drop_index(batch_op.f('ix_bank_ticket_tenant_id'))
        batch_op.drop_index('ix_bank_ticket_tenant_deadline')
        batch_op.drop_index('ix_bank_ticket_tenant_counter')
    op.drop_table('bank_ticket')
    with op.batch_alter_table('bank_balance', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_balance_tenant_member')
        batch_op.drop_index(batch_op.f('ix_bank_balance_tenant_id'))
    op.drop_table('bank_balance')
    with op.batch_alter_table('bank_staff_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_staff_line_tenant_id'))
    op.drop_table('bank_staff_line')
    with op.batch_alter_table('bank_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_seat_tenant_id'))
        batch_op.drop_index('ix_bank_seat_tenant_branch')
    op.drop_table('bank_seat')
    with op.batch_alter_table('bank_duty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_duty_tenant_id'))
    op.drop_table('bank_duty')
    with op.batch_alter_table('bank_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_counter_tenant_id'))
    op.drop_table('bank_counter')
    with op.batch_alter_table('bank_tier_wait', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_tier_wait_tenant_id'))
    op.drop_table('bank_tier_wait')
    with op.batch_alter_table('bank_branch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_branch_tenant_id'))
    op.drop_table('bank_branch')
