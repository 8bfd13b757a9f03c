"""sms_outbox: the campaign id on the row; indexes only where a value is set

A campaign writes its whole audience to the outbox at once. Its links used to be a table of
their own (clinic_campaign_messages), written by a second INSERT whose two foreign-key checks
per row cost more than the outbox rows themselves; the row now carries its campaign. The
provider id and lock token are empty when a row is planned and every lookup compares them with a
value, so their indexes leave such rows out.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CAMPAIGN_FK = 'fk_sms_outbox_campaign_id_clinic_campaigns'
PARTIAL = (('ix_sms_outbox_provider_message_id', 'provider_message_id'),
           ('ix_sms_outbox_lock_token', 'lock_token'),
           ('ix_sms_outbox_campaign_id', 'campaign_id'))


def _where_set(column: str) -> dict:
    where = sa.text(f'{column} IS NOT NULL')
    return {'postgresql_where': where, 'sqlite_where': where}


def upgrade() -> None:
    # The links are set aside and their table dropped first: SQLite rebuilds sms_outbox to add
    # the column, which it refuses while another table's rows point at it.
    op.execute('CREATE TABLE campaign_links_0006 AS SELECT campaign_id, outbox_id FROM clinic_campaign_messages')
    op.drop_table('clinic_campaign_messages')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(CAMPAIGN_FK, 'clinic_campaigns', ['campaign_id'], ['id'])
    op.execute('UPDATE sms_outbox SET campaign_id = (SELECT l.campaign_id FROM campaign_links_0006 l '
               'WHERE l.outbox_id = sms_outbox.id) '
               'WHERE id IN (SELECT outbox_id FROM campaign_links_0006)')
    op.drop_table('campaign_links_0006')
    for name, column in PARTIAL:
        if column != 'campaign_id':
            op.drop_index(name, table_name='sms_outbox')
        op.create_index(name, 'sms_outbox', [column], **_where_set(column))


def downgrade() -> None:
    for name, column in PARTIAL:
        op.drop_index(name, table_name='sms_outbox')
        if column != 'campaign_id':
            op.create_index(name, 'sms_outbox', [column])
    op.execute('CREATE TABLE campaign_links_0006 AS '
               'SELECT campaign_id, id AS outbox_id FROM sms_outbox WHERE campaign_id IS NOT NULL')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(CAMPAIGN_FK, type_='foreignkey')
        batch_op.drop_column('campaign_id')
    op.create_table('clinic_campaign_messages',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['clinic_campaigns.id'], name=op.f('fk_clinic_campaign_messages_campaign_id_clinic_campaigns')),
    sa.ForeignKeyConstraint(['outbox_id'], ['sms_outbox.id'], name=op.f('fk_clinic_campaign_messages_outbox_id_sms_outbox')),
    sa.PrimaryKeyConstraint('campaign_id', 'outbox_id', name=op.f('pk_clinic_campaign_messages')),
    sa.UniqueConstraint('outbox_id', name=op.f('uq_clinic_campaign_messages_outbox_id'))
    )
    op.execute('INSERT INTO clinic_campaign_messages (campaign_id, outbox_id) '
               'SELECT campaign_id, outbox_id FROM campaign_links_0006')
    op.drop_table('campaign_links_0006')
