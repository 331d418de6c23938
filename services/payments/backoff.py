"""Capped exponential backoff with jitter, for sends, queries and event deliveries."""

from __future__ import annotations

import random
from datetime import timedelta


def delay(tries: int, base_s: float, cap_s: float) -> timedelta:
    """After the n-th failed try: between half and all of min(cap, base * 2^(n-1)).

    Half the window is a floor (a bank that is down is not asked again at once); the random
    half spreads many disbursements that failed together over the window.
    """
    ceiling = min(cap_s, base_s * 2 ** max(0, min(tries, 32) - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
