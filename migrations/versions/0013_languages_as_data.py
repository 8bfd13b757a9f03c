"""Campaign messages per language, and language columns that hold any BCP 47 tag

A campaign's message was two columns (`message_fr`, `message_bm`); it is now one row per
language in `clinic_campaign_texts`, so a language is added without a migration. Each existing
campaign keeps its French and Bambara texts. Language columns grow from 2 characters (ISO 639-1)
to 35 (RFC 5646's advice for a tag), so Songhai ("ses") or Fulfulde in a script ("ff-Adlm") fit.

The downgrade puts `message_fr` / `message_bm` back from the texts (texts in other languages are
dropped) and narrows the columns again: a code longer than 2 characters becomes 'fr'.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CODE_LENGTH = 35
LANGUAGE_COLUMNS = (('subscribers', True), ('sms_outbox', False), ('reminders', False),
                    ('health_enrollments', False))  # (table, nullable)
OLD_TEXTS = ('fr', 'bm')


def upgrade() -> None:
    op.create_table('clinic_campaign_texts',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=CODE_LENGTH), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['clinic_campaigns.id'],
                            name=op.f('fk_clinic_campaign_texts_campaign_id_clinic_campaigns')),
    sa.PrimaryKeyConstraint('campaign_id', 'language', name=op.f('pk_clinic_campaign_texts'))
    )
    for code in OLD_TEXTS:
        op.execute(sa.text("INSERT INTO clinic_campaign_texts (campaign_id, language, body) "
                           f"SELECT id, :code, message_{code} FROM clinic_campaigns")
                   .bindparams(code=code))
    for code in OLD_TEXTS:  # SQLite >= 3.35 drops a column in place, no rebuild
        op.execute(f'ALTER TABLE clinic_campaigns DROP COLUMN message_{code}')
    for table, nullable in LANGUAGE_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('language', existing_type=sa.String(length=2),
                                  type_=sa.String(length=CODE_LENGTH), existing_nullable=nullable)


def downgrade() -> None:
    for table, nullable in LANGUAGE_COLUMNS:
        op.execute(sa.text(f"UPDATE {table} SET language = 'fr' WHERE length(language) > 2"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('language', existing_type=sa.String(length=CODE_LENGTH),
                                  type_=sa.String(length=2), existing_nullable=nullable)
    with op.batch_alter_table('clinic_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_fr', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('message_bm', sa.Text(), nullable=True))
    for code in OLD_TEXTS:
        op.execute(sa.text(f"UPDATE clinic_campaigns SET message_{code} = COALESCE((SELECT body FROM "
                           "clinic_campaign_texts t WHERE t.campaign_id = clinic_campaigns.id AND "
                           "t.language = :code), '')").bindparams(code=code))
    with op.batch_alter_table('clinic_campaigns', schema=None) as batch_op:
        batch_op.alter_column('message_fr', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('message_bm', existing_type=sa.Text(), nullable=False)
    op.drop_table('clinic_campaign_texts')
