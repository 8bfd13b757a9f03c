"""SMS purposes and opt-out by category

Each outbox row gets a purpose (ussd_app.sms.purposes), filled from its kind: savings receipts
are `receipt`; health information and registration references (dedupe key `…:received`) are
`requested`; keyword answers `reply`; other registration news `notice`; reminders, campaigns and
test messages keep their name; anything else becomes `notice`.

A person now stops SMS by category. Existing stops become:
- keyword STOP by SMS and the gateway's blacklist: `all` (as before, receipts included);
- "Stop all SMS" from USSD "My reminders": `reminders` and `campaigns`. That screen sat among her
  health reminders, and stopped her savings receipts without saying so; her receipts come again.
- reminders she stopped from "My reminders" (status `stopped`, visit still ahead): `reminders`,
  and the rows planned again, so "My reminders" shows them (stopped) and a restart sends them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import ussd_app.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

USER_STOP = 'stopped by the person (USSD)'
PURPOSE_FROM_KIND = (
    "CASE kind WHEN 'savings_receipt' THEN 'receipt' WHEN 'health_info' THEN 'requested' "
    "WHEN 'keyword_reply' THEN 'reply' WHEN 'reminder' THEN 'reminder' "
    "WHEN 'campaign' THEN 'campaign' WHEN 'test' THEN 'test' "
    "WHEN 'enrollment' THEN CASE WHEN dedupe_key LIKE :received THEN 'requested' ELSE 'notice' END "
    "ELSE 'notice' END"
)


def upgrade() -> None:
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), nullable=True))
    op.get_bind().execute(sa.text(f'UPDATE sms_outbox SET purpose = {PURPOSE_FROM_KIND}'),
                          {"received": "%:received"})
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.alter_column('purpose', existing_type=sa.String(length=16), nullable=False)

    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_opted_out_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('campaigns_opted_out_at', ussd_app.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE subscribers SET reminders_opted_out_at = sms_opted_out_at, "
               "campaigns_opted_out_at = sms_opted_out_at, sms_opted_out_at = NULL, "
               "sms_opt_out_source = NULL WHERE sms_opt_out_source = 'ussd'")
    stopped_by_her = ("FROM reminders r WHERE r.status = 'stopped' AND r.skip_reason = :why "
                      "AND r.visit_date >= CURRENT_DATE")
    op.get_bind().execute(sa.text(
        "UPDATE subscribers SET reminders_opted_out_at = (SELECT MIN(r.closed_at) "
        f"{stopped_by_her} AND r.phone = subscribers.phone) "
        f"WHERE reminders_opted_out_at IS NULL AND phone IN (SELECT r.phone {stopped_by_her})"),
        {"why": USER_STOP})
    op.get_bind().execute(sa.text(
        "UPDATE reminders SET status = 'planned', skip_reason = NULL, closed_at = NULL "
        "WHERE status = 'stopped' AND skip_reason = :why AND visit_date >= CURRENT_DATE"),
        {"why": USER_STOP})


def downgrade() -> None:
    # Before categories, a stop was a stop of everything; reminders were stopped row by row.
    op.get_bind().execute(sa.text(
        "UPDATE reminders SET status = 'stopped', skip_reason = :why, closed_at = CURRENT_TIMESTAMP "
        "WHERE status = 'planned' AND phone IN (SELECT phone FROM subscribers "
        "WHERE reminders_opted_out_at IS NOT NULL)"), {"why": USER_STOP})
    op.execute("UPDATE subscribers SET sms_opted_out_at = campaigns_opted_out_at, sms_opt_out_source = 'ussd' "
               "WHERE sms_opted_out_at IS NULL AND campaigns_opted_out_at IS NOT NULL")
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_column('campaigns_opted_out_at')
        batch_op.drop_column('reminders_opted_out_at')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_column('purpose')
