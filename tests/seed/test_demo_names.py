"""The demo city's names read as a person would write them."""

import re

from sqlalchemy import select

from backend.models import BoardingHouse
from backend.seed.demo import seed
from backend.seed.demo_registry import HOUSE_NAMES, SITE_SHORT_NAMES, SITES

HOUSE = re.compile(r"^(Nhà|Khu) trọ [^()]+ \((?P<site>[^()]+)\)$")


async def test_house_names_carry_their_zone_in_one_pair_of_brackets(session):
    await seed(session)
    names = (await session.scalars(select(BoardingHouse.name))).all()
    assert len(names) == len(SITES) * len(HOUSE_NAMES)
    sites = set()
    for name in names:
        match = HOUSE.match(name)
        assert match, name  # "Nhà trọ Hòa Bình (I))" and "(Thuận)" were the bugs
        sites.add(match["site"])
    assert (
        sites == set(SITE_SHORT_NAMES.values()) == {"KCX Tân Thuận", "KCX Linh Trung I", "VSIP I"}
    )
    assert "Nhà trọ Hòa Bình (VSIP I)" in names
    assert set(SITE_SHORT_NAMES) == {code for code, *_ in SITES}
