"""Blood products on a hospital bill and their whole-blood equivalents (DOMAIN.md section 5).

Prices are the 2005 national guideline supply prices in fen; a rule set may override any of
them (``product_prices_fen``). Apheresis platelets have no fixed mL-eq: the rule set's
``platelet_unit_ml`` (Beijing 400, Zhejiang 800) says what one therapeutic dose is worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Product:
    code: str
    name_zh: str
    # Billing unit: whole blood per 200 mL 份, plasma per 100 mL 份, red cells per U.
    unit_zh: str
    # None: taken from the rule set's platelet_unit_ml.
    ml_eq_per_unit: int | None
    guideline_price_fen: int


PLATELETS_APHERESIS: Final = "platelets_apheresis"

CATALOGUE: Final[dict[str, Product]] = {
    p.code: p
    for p in (
        Product("whole_blood", "全血", "份", 200, 22000),
        Product("red_cells", "悬浮红细胞", "U", 200, 21000),
        Product("washed_red_cells", "洗涤红细胞", "U", 200, 26000),
        Product("plasma", "冰冻血浆", "份", 100, 4000),
        Product("cryoprecipitate", "冷沉淀", "U", 200, 5000),
        Product(PLATELETS_APHERESIS, "机采血小板", "治疗量", None, 140000),
    )
}

PRODUCT_CODES: Final[frozenset[str]] = frozenset(CATALOGUE)


def is_known_product(code: str) -> bool:
    return code in CATALOGUE
