"""Pure entitlement rules engine (血费减免额度): rule sets as data, quotes, certificate summary.

No I/O beyond ``load_rule_sets`` reading data files, no framework, no database.
"""

from services.entitlement.rules.bill import quote_bill
from services.entitlement.rules.engine import certificate_summary, quote
from services.entitlement.rules.errors import (
    InvalidQuantity,
    NoDonationBeforeUse,
    NoRuleSetInForce,
    QuotasNotConfigured,
    RelationshipNotAdmitted,
    RuleError,
    RuleSetFileError,
    UnknownProduct,
)
from services.entitlement.rules.loader import (
    SCHEMA_PATH,
    SHIPPED_DATA_DIR,
    load_rule_set_file,
    load_rule_sets,
    parse_rule_set,
    select_rule_set,
)
from services.entitlement.rules.model import (
    RELATIONSHIPS,
    BillQuote,
    CertificateSummary,
    Donation,
    DonorPart,
    PoolDraw,
    Quote,
    QuoteItem,
    QuoteRequest,
    RuleSet,
)
from services.entitlement.rules.products import CATALOGUE, PRODUCT_CODES, Product
from services.entitlement.rules.visiting import VisitingRefund, visiting_refund
from services.entitlement.rules.whatif import Case, CaseDonor, CaseResult, RecordedDraw, simulate

__all__ = [
    "CATALOGUE",
    "PRODUCT_CODES",
    "RELATIONSHIPS",
    "SCHEMA_PATH",
    "SHIPPED_DATA_DIR",
    "BillQuote",
    "Case",
    "CaseDonor",
    "CaseResult",
    "CertificateSummary",
    "Donation",
    "DonorPart",
    "InvalidQuantity",
    "NoDonationBeforeUse",
    "NoRuleSetInForce",
    "PoolDraw",
    "Product",
    "QuotasNotConfigured",
    "Quote",
    "QuoteItem",
    "QuoteRequest",
    "RecordedDraw",
    "RelationshipNotAdmitted",
    "RuleError",
    "RuleSet",
    "RuleSetFileError",
    "UnknownProduct",
    "VisitingRefund",
    "certificate_summary",
    "load_rule_set_file",
    "load_rule_sets",
    "parse_rule_set",
    "quote",
    "quote_bill",
    "select_rule_set",
    "simulate",
    "visiting_refund",
]
