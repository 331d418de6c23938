"""Demo data for a fresh data dir: staff accounts (and, through the API, donors)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.staff import repository, service
from gateway.staff.schemas import Role, StaffUserCreate
from kit.db import make_sessionmaker

# (username, roles, province): a Beijing blood station's team and a finance officer.
DEMO_STAFF: tuple[tuple[str, tuple[Role, ...], str | None], ...] = (
    ("bj_operator", (Role.station_operator,), "11"),
    ("bj_reviewer", (Role.reviewer,), "11"),
    ("bj_senior", (Role.senior_reviewer,), "11"),
    ("bj_finance", (Role.finance,), "11"),
)


PROVINCE_TAGS = {"11": "bj", "33": "zj"}


@dataclass
class SeedResult:
    admin_password: str | None  # set when we chose or changed it (to print once)
    demo_password: str | None


def demo_staff(province: str) -> list[tuple[str, tuple[Role, ...], str | None]]:
    """The demo team of the platform's own province: bj_* in Beijing (11), zj_* in Zhejiang (33)."""
    tag = PROVINCE_TAGS.get(province, f"p{province}")
    return [(username.replace("bj_", f"{tag}_", 1), roles, province) for username, roles, _ in DEMO_STAFF]


async def seed_staff(engine: AsyncEngine, *, admin_password: str | None, fresh: bool,
                     home_province: str = "11") -> SeedResult:
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        admin = await repository.get_by_username(session, "admin")
        chosen = None
        if admin is None:
            chosen = admin_password or secrets.token_urlsafe(12)
            await service.create_user(
                session, StaffUserCreate(username="admin", password=chosen, roles=[Role.admin]),
                actor="seed", request_id=None,
            )
        elif admin_password:
            await service.set_password(session, "admin", admin_password, actor="seed")
            chosen = admin_password
        demo_password = None
        if fresh:
            demo_password = secrets.token_urlsafe(9)
            for username, roles, province in demo_staff(home_province):
                if await repository.get_by_username(session, username) is None:
                    await service.create_user(
                        session,
                        StaffUserCreate(username=username, password=demo_password, roles=list(roles),
                                        province=province),
                        actor="seed", request_id=None,
                    )
    return SeedResult(admin_password=chosen, demo_password=demo_password)
