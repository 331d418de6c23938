"""claims: the invoice registry under a normalised invoice key; several donors and mutual aid on
claims and reduction notices; the postmark date of mailed claims

Existing invoice codes and numbers are normalised in place (NFKC, whitespace removed, upper
case) and every live claim and settled reduction is registered, oldest first, so the registry
starts from what the platform already reduced. The donors of those uses (person indexes) and,
where the quote is already encrypted (issue 11), the mL covered need keys a migration does not
have: the rows are written with no donors and the claims service completes them when it starts
(services/claims/invoices/backfill.py).

Revision ID: cl_i13_1
Revises: cl_i11_1, cl_i16_1
Create Date: 2026-12-02
"""
from __future__ import annotations

import unicodedata
import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "cl_i13_1"
down_revision = ("cl_i11_1", "cl_i16_1")  # after the person index and the sealed quotes
branch_labels = None
depends_on = None
S = "claims"
TS = sa.DateTime(timezone=True)
LIVE_CLAIMS = ("submitted", "under_review", "needs_more_info", "awaiting_second_review", "approved",
               "payee_correction", "paid")


def _normalise(text: str) -> str:
    # Frozen copy of services/claims/invoices/key.py at this revision: a migration must not change
    # meaning when the application code does.
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def upgrade() -> None:
    op.create_table(
        "invoice_uses",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("invoice_code", sa.String(32), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("case_kind", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("covered_ml", sa.Integer(), nullable=False),
        sa.Column("reduced_fen", sa.BigInteger(), nullable=False),
        sa.Column("mutual_aid_fen", sa.BigInteger(), nullable=False),
        sa.Column("donors", JSONB(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("invoice_code", "invoice_number", "seq",
                            name="uq_invoice_uses_invoice_code_invoice_number_seq"),
        sa.UniqueConstraint("case_kind", "case_id", name="uq_invoice_uses_case_kind_case_id"),
        schema=S,
    )
    for table in ("claims", "reduction_notices"):
        op.add_column(table, sa.Column("additional_donors", JSONB(), nullable=False, server_default="[]"), schema=S)
        op.add_column(table, sa.Column("mutual_aid_fen", sa.BigInteger(), nullable=False, server_default="0"),
                      schema=S)
    op.add_column("claims", sa.Column("postmarked_on", sa.Date()), schema=S)
    op.execute("DROP INDEX claims.uq_claims_live_invoice")
    op.execute("DROP INDEX claims.uq_reduction_notices_settled_invoice")
    _normalise_and_register()


def _normalise_and_register() -> None:
    bind = op.get_bind()
    for table in ("claims", "reduction_notices"):
        rows = bind.execute(sa.text(f"SELECT id, invoice_code, invoice_number FROM {S}.{table} "
                                    "WHERE invoice_code IS NOT NULL")).all()
        for row_id, code, number in rows:
            if (_normalise(code), _normalise(number)) != (code, number):
                bind.execute(sa.text(f"UPDATE {S}.{table} SET invoice_code = :c, invoice_number = :n WHERE id = :i"),
                             {"c": _normalise(code), "n": _normalise(number), "i": row_id})
    uses = bind.execute(sa.text(f"""
        SELECT 'claim', id, reference, invoice_code, invoice_number, created_at,
               coalesce((quote->>'covered_ml')::int, 0), coalesce(approved_fen, eligible_fen, 0)
          FROM {S}.claims WHERE status IN :live
        UNION ALL
        SELECT 'notice', id, notice_no, invoice_code, invoice_number, settled_at,
               coalesce((quote->>'covered_ml')::int, 0), coalesce(reduced_fen, 0)
          FROM {S}.reduction_notices WHERE status = 'settled'
        ORDER BY 6, 3
    """).bindparams(sa.bindparam("live", expanding=True)), {"live": list(LIVE_CLAIMS)}).all()
    seq: dict[tuple[str, str], int] = {}
    for kind, case_id, reference, code, number, _at, covered_ml, reduced in uses:
        key = (code, number)
        seq[key] = seq.get(key, 0) + 1
        bind.execute(sa.text(f"""
            INSERT INTO {S}.invoice_uses (id, invoice_code, invoice_number, seq, case_kind, case_id, reference,
                                          covered_ml, reduced_fen, mutual_aid_fen, donors, live)
            VALUES (:id, :code, :number, :seq, :kind, :case_id, :reference, :ml, :fen, 0, '[]'::jsonb, true)
        """), {"id": uuid.uuid4(), "code": code, "number": number, "seq": seq[key], "kind": kind, "case_id": case_id,
               "reference": reference, "ml": covered_ml, "fen": reduced})


def downgrade() -> None:
    op.drop_table("invoice_uses", schema=S)
    op.drop_column("claims", "postmarked_on", schema=S)
    for table in ("claims", "reduction_notices"):
        op.drop_column(table, "mutual_aid_fen", schema=S)
        op.drop_column(table, "additional_donors", schema=S)
    # Fails while one invoice has several live uses (several donors, a claim for the rest): this
    # revision allowed them and the old indexes cannot hold them; resolve those cases first.
    op.execute("""CREATE UNIQUE INDEX uq_claims_live_invoice ON claims.claims (invoice_code, invoice_number)
                  WHERE status NOT IN ('draft', 'rejected', 'withdrawn')""")
    op.execute("""CREATE UNIQUE INDEX uq_reduction_notices_settled_invoice ON claims.reduction_notices
                  (invoice_code, invoice_number) WHERE status = 'settled'""")
