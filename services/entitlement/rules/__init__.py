"""Pure entitlement rules engine (血费减免额度): rule sets as data, quotes, certificate summary.

No I/O beyond ``load_rule_sets`` reading data files, no framework, no database.
"""

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
    select_rule_set,
)
from services.entitlement.rules.model import (
    RELATIONSHIPS,
    CertificateSummary,
    Donation,
    PoolDraw,
    Quote,
    QuoteItem,
    QuoteRequest,
    RuleSet,
)
from services.entitlement.rules.products import CATALOGUE, PRODUCT_CODES, Product

__all__ = [
    "CATALOGUE",
    "PRODUCT_CODES",
    "RELATIONSHIPS",
    "SCHEMA_PATH",
    "SHIPPED_DATA_DIR",
    "CertificateSummary",
    "Donation",
    "InvalidQuantity",
    "NoDonationBeforeUse",
    "NoRuleSetInForce",
    "PoolDraw",
    "Product",
    "QuotasNotConfigured",
    "Quote",
    "QuoteItem",
    "QuoteRequest",
    "RelationshipNotAdmitted",
    "RuleError",
    "RuleSet",
    "RuleSetFileError",
    "UnknownProduct",
    "certificate_summary",
    "load_rule_set_file",
    "load_rule_sets",
    "quote",
    "select_rule_set",
]
