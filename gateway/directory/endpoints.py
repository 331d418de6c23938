"""服务网点: where to ask and where to claim in person or by mail.

The records are public data copied from the seeds' tables (Beijing annex 3: offices with hours,
address, phone and method; Guizhou attachment: the blood stations' consultation phones) into
`stations.json`, read once and served without sign-in.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from kit.paging import PagingDep, paged
from kit.problems import problem_responses

DATA = Path(__file__).with_name("stations.json")

router = APIRouter(prefix="/api/v1", tags=["service directory"])


class Station(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "bj-09", "province": "11", "city": "北京市", "name": "通州区献血办",
        "kind": "donation_office", "phone": "010-69548932", "phones": ["010-69548932"],
        "hours": "周一至周五（节假日除外）8:00-11:00，13:00-16:00",
        "address": "北京市通州区通胡大街21号 通州区中心血站一楼血源科",
        "methods": ["onsite", "mail"],
        "source": "北京市无偿献血者临床用血费用直接减免工作实施方案（2020）附件3 "
                  "现场（邮寄）报销机构名单"}]})

    id: str
    province: str = Field(pattern=r"^[0-9]{2}$", description="GB/T 2260 province code")
    city: str
    name: str
    kind: Literal["blood_station", "donation_office"] = Field(
        description="blood_station: 血站/血库; "
                    "donation_office: 献血办 or another reimbursement office (报销机构)")
    phone: str = Field(description="the first consultation/appointment phone, with area code")
    phones: list[str] = Field(description="every phone the source lists; 转: an extension")
    hours: str | None = Field(description="office hours (报销时间); null where none is given")
    address: str | None
    methods: list[Literal["onsite", "mail"]] = Field(
        description="reimbursement accepted here: onsite (现场报销), mail (邮寄报销); "
                    "empty: consultation only")
    source: str = Field(description="the public document the record was copied from")


@lru_cache(maxsize=1)
def stations() -> tuple[Station, ...]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))["stations"]
    return tuple(TypeAdapter(list[Station]).validate_python(raw))


def search(records: tuple[Station, ...], q: str | None, province: str | None) -> list[Station]:
    """Every whitespace-separated term of `q` must appear in the name, city or address."""
    terms = (q or "").casefold().split()
    found = []
    for station in records:
        if province and station.province != province:
            continue
        haystack = " ".join(filter(None, (station.name, station.city, station.address))).casefold()
        if all(term in haystack for term in terms):
            found.append(station)
    return found


@router.get("/stations", response_model=list[Station], operation_id="list_stations",
            summary="服务网点: blood stations and reimbursement offices (no sign-in)",
            description="Phones, hours, address and reimbursement methods (on-site, mail) of "
                        "the offices and blood stations, from the provinces' published tables. "
                        "`q` matches name, city and address (every term must match); "
                        "`province` filters by GB/T 2260 code.",
            responses={**paged(), **problem_responses(422)})
async def list_stations(
    page: PagingDep,
    q: Annotated[str | None, Query(max_length=64, description="e.g. 通州 or 遵义")] = None,
    province: Annotated[str | None, Query(pattern=r"^[0-9]{2}$",
                                          description="e.g. 11 Beijing, 52 Guizhou")] = None,
) -> list[Station]:
    return page.slice(search(stations(), q, province), key=lambda s: (s.province, s.id))
