"""A Beijing station's team (and a Zhejiang reviewer) for the claims tests, with one donor."""

from __future__ import annotations

import pytest

from tests.claims.helpers import add_user, seed_donor


@pytest.fixture
async def team(gateway, admin_headers, stack) -> dict[str, dict[str, str]]:
    await seed_donor(gateway, admin_headers, volume_ml=400)
    return {
        "operator": await add_user(gateway, admin_headers, stack, "bj_op", ["station_operator"]),
        "reviewer": await add_user(gateway, admin_headers, stack, "bj_rev", ["reviewer"]),
        "senior": await add_user(gateway, admin_headers, stack, "bj_senior", ["senior_reviewer"]),
        "zj_reviewer": await add_user(gateway, admin_headers, stack, "zj_rev", ["reviewer"], province="33"),
    }
