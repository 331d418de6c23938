"""Domain errors of the rules engine.

Every ``RuleError`` names the request field it is about (a JSON path such as ``relationship``
or ``items[1].quantity``) so the API layer can turn it into a problem+json body pointing at the
failing field without knowing the engine's internals.
"""

from __future__ import annotations

from typing import ClassVar


class RuleError(Exception):
    """A request the rules cannot answer; ``field`` is the JSON path of the culprit."""

    code: ClassVar[str] = "rule_error"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


class UnknownProduct(RuleError):
    code = "unknown_product"


class InvalidQuantity(RuleError):
    code = "invalid_quantity"


class RelationshipNotAdmitted(RuleError):
    code = "relationship_not_admitted"


class NoDonationBeforeUse(RuleError):
    code = "no_donation_before_use"


class QuotasNotConfigured(RuleError):
    code = "quotas_not_configured"


class NoRuleSetInForce(RuleError):
    code = "no_rule_set_in_force"


class RuleSetFileError(ValueError):
    """A shipped or operator-supplied rule-set file failed validation.

    The message reads ``<path>: <field path>: <reason>`` so that an operator can fix the file
    without reading code.
    """

    def __init__(self, path: str, field_path: str, reason: str) -> None:
        location = f"{path}: {field_path}" if field_path else path
        super().__init__(f"{location}: {reason}")
        self.path = path
        self.field_path = field_path
        self.reason = reason
