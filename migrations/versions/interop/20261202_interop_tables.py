"""interop: partners and keys, own keys, audit, nonces, evidence log, inbound replies and
documents, outbox. The evidence log and the audit are append-only (a trigger refuses changes).

Revision ID: io_i14_2
Revises: io_i14_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.helpers import make_append_only

revision = "io_i14_2"
down_revision = "io_i14_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('partner_code', sa.String(length=32), nullable=True),
    sa.Column('key_id', sa.String(length=64), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_events_seq')),
    schema='interop'
    )
    op.create_index(op.f('ix_interop_audit_events_partner_code'), 'audit_events', ['partner_code'], schema='interop')
    op.create_table('evidence',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('partner_code', sa.String(length=32), nullable=True),
    sa.Column('message_id', sa.String(length=64), nullable=True),
    sa.Column('in_reply_to', sa.String(length=64), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=True),
    sa.Column('target_uri', sa.Text(), nullable=True),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_digest', sa.Text(), nullable=True),
    sa.Column('request_digest', sa.Text(), nullable=True),
    sa.Column('signature_input', sa.Text(), nullable=True),
    sa.Column('signature', sa.Text(), nullable=True),
    sa.Column('key_id', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('body_encrypted', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    schema='interop'
    )
    op.create_index(op.f('ix_interop_evidence_message_id'), 'evidence', ['message_id'], schema='interop')
    op.create_index('ix_interop_evidence_partner_at', 'evidence', ['partner_code', 'at'], schema='interop')
    op.create_table('inbound_documents',
    sa.Column('partner_code', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('partner_code', 'sha256', name=op.f('pk_inbound_documents')),
    schema='interop'
    )
    op.create_table('inbound_messages',
    sa.Column('partner_code', sa.String(length=32), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('content_digest', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('reply_content_type', sa.String(length=64), nullable=True),
    sa.Column('reply_body', sa.LargeBinary(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('partner_code', 'message_id', name=op.f('pk_inbound_messages')),
    schema='interop'
    )
    op.create_table('nonces',
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key_id', 'nonce', name=op.f('pk_nonces')),
    schema='interop'
    )
    op.create_index(op.f('ix_interop_nonces_seen_at'), 'nonces', ['seen_at'], schema='interop')
    op.create_table('outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('partner_code', sa.String(length=32), nullable=False),
    sa.Column('case_key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('body_encrypted', sa.Text(), nullable=False),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('reply', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('traceparent', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id')),
    sa.UniqueConstraint('seq', name=op.f('uq_outbox_seq')),
    schema='interop'
    )
    op.create_index('ix_interop_outbox_case', 'outbox', ['case_key', 'seq'], schema='interop')
    op.create_index('ix_interop_outbox_due', 'outbox', ['next_attempt_at'],
                    schema='interop', postgresql_where=sa.text("state IN ('pending', 'uncertain')"))
    op.create_table('own_keys',
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('private_key_encrypted', sa.Text(), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_own_keys')),
    schema='interop'
    )
    op.create_table('partners',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('provinces', sa.ARRAY(sa.String(length=2)), nullable=False),
    sa.Column('base_url', sa.String(length=256), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('settlement_account', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_partners')),
    schema='interop'
    )
    op.create_table('partner_keys',
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('partner_code', sa.String(length=32), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['partner_code'], ['interop.partners.code'],
                            name=op.f('fk_partner_keys_partner_code_partners')),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_partner_keys')),
    schema='interop'
    )
    op.create_index(op.f('ix_interop_partner_keys_partner_code'), 'partner_keys', ['partner_code'], schema='interop')
    make_append_only('interop', 'evidence')
    make_append_only('interop', 'audit_events')


def downgrade() -> None:
    op.drop_index(op.f('ix_interop_partner_keys_partner_code'), table_name='partner_keys', schema='interop')
    op.drop_table('partner_keys', schema='interop')
    op.drop_table('partners', schema='interop')
    op.drop_table('own_keys', schema='interop')
    op.drop_index('ix_interop_outbox_due', table_name='outbox',
                    schema='interop', postgresql_where=sa.text("state IN ('pending', 'uncertain')"))
    op.drop_index('ix_interop_outbox_case', table_name='outbox', schema='interop')
    op.drop_table('outbox', schema='interop')
    op.drop_index(op.f('ix_interop_nonces_seen_at'), table_name='nonces', schema='interop')
    op.drop_table('nonces', schema='interop')
    op.drop_table('inbound_messages', schema='interop')
    op.drop_table('inbound_documents', schema='interop')
    op.drop_index('ix_interop_evidence_partner_at', table_name='evidence', schema='interop')
    op.drop_index(op.f('ix_interop_evidence_message_id'), table_name='evidence', schema='interop')
    op.drop_table('evidence', schema='interop')
    op.drop_index(op.f('ix_interop_audit_events_partner_code'), table_name='audit_events', schema='interop')
    op.drop_table('audit_events', schema='interop')
