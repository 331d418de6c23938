"""interop: inter-province statements (省际结算清单) both ways, and the lines confirmed once

Revision ID: io_i14_3
Revises: io_i14_2
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "io_i14_3"
down_revision = "io_i14_2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('statements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('partner_code', sa.String(length=32), nullable=False),
    sa.Column('statement_ref', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('total_count', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('lines', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('confirmed_fen', sa.BigInteger(), nullable=True),
    sa.Column('disputed_fen', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('disbursement_id', sa.String(length=64), nullable=True),
    sa.Column('paid_fen', sa.BigInteger(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('partner_code', 'direction', 'statement_ref',
                        name=op.f('uq_statements_partner_code_direction_statement_ref')),
    schema='interop'
    )
    op.create_table('confirmed_lines',
    sa.Column('partner_code', sa.String(length=32), nullable=False),
    sa.Column('authorisation_no', sa.String(length=32), nullable=False),
    sa.Column('statement_id', sa.Uuid(), nullable=False),
    sa.Column('reduced_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['interop.statements.id'],
                            name=op.f('fk_confirmed_lines_statement_id_statements')),
    sa.PrimaryKeyConstraint('partner_code', 'authorisation_no', name=op.f('pk_confirmed_lines')),
    schema='interop'
    )


def downgrade() -> None:
    op.drop_table('confirmed_lines', schema='interop')
    op.drop_table('statements', schema='interop')
