"""Registry factories: sites, boarding houses and enterprises, built through the registry
services (so sites get validated boundaries, houses get a checkpoint token and their computed
site, and the change log and audit rows exist as in production).

Plain functions: they add and flush, never commit; the test commits before calling the API.
Every argument has a sensible default, so ``await make_house(session)`` is enough.

    site = await make_site(session, lon=106.75, lat=10.90, half_m=500)   # a 1 km square
    house = await make_house(session, admin_unit=ward, lon=106.75, lat=10.90)  # inside it
    assert house.site_id == site.id
"""

import math
import uuid
from itertools import count
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import AdminUnit, BoardingHouse, Enterprise, Site, Team, UnionUnit
from backend.registry import enterprises_service, houses_service, sites_service
from tests.factories import make_unit

_seq = count(1)
M_PER_DEG = 111_195.0  # metres per degree of latitude (and of longitude at the equator)


def offset(lon: float, lat: float, *, east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    """The point ``east_m`` metres east and ``north_m`` metres north of (lon, lat)."""
    return (
        lon + east_m / (M_PER_DEG * math.cos(math.radians(lat))),
        lat + north_m / M_PER_DEG,
    )


def square(lon: float, lat: float, half_m: float = 500) -> dict[str, Any]:
    """A GeoJSON Polygon: a square of side ``2 * half_m`` metres centred on (lon, lat)."""
    w, s = offset(lon, lat, east_m=-half_m, north_m=-half_m)
    e, n = offset(lon, lat, east_m=half_m, north_m=half_m)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


async def make_ward(session: AsyncSession, name: str = "Phường Dĩ An") -> AdminUnit:
    """A ward under a fresh city (for tests that need some admin unit)."""
    city = await make_unit(session, AdminUnit, f"Thành phố {next(_seq)}", level="Thành phố")
    return await make_unit(session, AdminUnit, name, parent=city, level="Phường")


async def make_site(
    session: AsyncSession,
    *,
    name: str = "Khu công nghiệp Sóng Thần",
    code: str | None = None,
    kind: str = "industrial_zone",
    lon: float = 106.75,
    lat: float = 10.90,
    half_m: float = 500,
    boundary: dict[str, Any] | None = None,
    union_unit: UnionUnit | None = None,
    admin_units: list[AdminUnit] = (),
    **fields: Any,
) -> Site:
    """A site; by default a 1 km square around (lon, lat). Nearby houses are re-assigned."""
    return await sites_service.create_site(
        session,
        actor=None,
        code=code or f"KCN-{next(_seq)}",
        name=name,
        kind=kind,
        boundary=boundary or square(lon, lat, half_m),
        admin_unit_ids=[u.id for u in admin_units],
        union_unit_id=union_unit.id if union_unit else None,
        **fields,
    )


async def make_house(
    session: AsyncSession,
    *,
    admin_unit: AdminUnit | None = None,
    name: str | None = None,
    code: str | None = None,
    address: str | None = None,
    lon: float = 106.75,
    lat: float = 10.90,
    team: Team | None = None,
    **fields: Any,
) -> BoardingHouse:
    """A house (its site computed from the location); ``team`` puts it on that team's list."""
    n = next(_seq)
    return await houses_service.create_house(
        session,
        actor=None,
        code=code or f"NT-{n}",
        name=name or f"Nhà trọ số {n}",
        address=address or f"{n} đường Trần Hưng Đạo",
        admin_unit_id=(admin_unit or await make_ward(session)).id,
        lat=lat,
        lon=lon,
        team_id=team.id if team else None,
        **fields,
    )


async def make_enterprise(
    session: AsyncSession,
    *,
    site: Site | None = None,
    name: str | None = None,
    tax_code: str | None = None,
    **fields: Any,
) -> Enterprise:
    """An enterprise, in ``site`` when given; the tax code is a fresh valid one by default."""
    return await enterprises_service.create_enterprise(
        session,
        actor=None,
        name=name or f"Công ty TNHH Điện tử {next(_seq)}",
        site_id=site.id if site else None,
        tax_code=tax_code or f"{uuid.uuid4().int % 10**10:010d}",
        **fields,
    )
