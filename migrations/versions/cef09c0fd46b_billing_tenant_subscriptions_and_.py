"""billing: tenant subscriptions and processed Stripe events

tenant_billing: one row per tenant that signed up (plan, Stripe status, trial, grace clock);
stripe_event: every Stripe event applied, unique by its id, so a redelivery changes nothing.

Revision ID: cef09c0fd46b
Revises: f8795ad47d74
Create Date: 2026-11-24 23:36:14.867306

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cef09c0fd46b'
down_revision = 'f8795ad47d74'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=80), nullable=False),
    sa.Column('event_created', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_stripe_event_tenant_id_tenant'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_event_event_id'))
    )
    with op.batch_alter_table('stripe_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stripe_event_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_billing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_key', sa.String(length=40), nullable=False),
    sa.Column('interval', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('trial_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stripe_customer_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_subscription_id', sa.String(length=255), nullable=True),
    sa.Column('subscription_created', sa.BigInteger(), nullable=True),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('past_due_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state_event_at', sa.BigInteger(), nullable=False),
    sa.Column('state_rank', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_tenant_billing_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_billing')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_tenant_billing_tenant_id'))
    )
    with op.batch_alter_table('tenant_billing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_billing_stripe_customer_id'), ['stripe_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_billing_tenant_id'), ['tenant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tenant_billing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_billing_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_tenant_billing_stripe_customer_id'))

    op.drop_table('tenant_billing')
    with op.batch_alter_table('stripe_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stripe_event_tenant_id'))

    op.drop_table('stripe_event')
