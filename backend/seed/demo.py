"""A demo city: both hierarchies, one account per role, and the registry. Safe to run again."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import create_user
from backend.core import pii
from backend.core.config import Settings, get_settings
from backend.models import AdminUnit, UnionUnit, User
from backend.orgs.service import create_unit
from backend.seed.demo_incidents import seed_incidents
from backend.seed.demo_registry import seed_registry

DEMO_PASSWORD = "ttq-demo-2026"

# (code, name, level, parent code)
ADMIN_TREE = [
    ("79", "Thành phố Hồ Chí Minh", "Thành phố", None),
    ("79-P-THUANAN", "Phường Thuận An", "Phường", "79"),
    ("79-P-DIAN", "Phường Dĩ An", "Phường", "79"),
    ("79-P-TANTHUAN", "Phường Tân Thuận", "Phường", "79"),
    ("79-P-LINHXUAN", "Phường Linh Xuân", "Phường", "79"),
    # A branch still kept with the old district tier, as some imported registers are.
    ("79-H-CUCHI", "Huyện Củ Chi (cũ)", "Huyện", "79"),
    ("79-X-TANTHANHDONG", "Xã Tân Thạnh Đông", "Xã", "79-H-CUCHI"),
    ("79-X-PHUOCHIEP", "Xã Phước Hiệp", "Xã", "79-H-CUCHI"),
]

UNION_TREE = [
    ("LDLD-HCM", "Liên đoàn Lao động Thành phố Hồ Chí Minh", "Liên đoàn Lao động thành phố", None),
    ("CD-KCXKCN", "Công đoàn các Khu chế xuất và công nghiệp TP.HCM", "Công đoàn KCN", "LDLD-HCM"),
    ("LDLD-KV-THUANAN", "Liên đoàn Lao động khu vực Thuận An", "LĐLĐ khu vực", "LDLD-HCM"),
    (
        "CDCS-POUYUEN",
        "Công đoàn cơ sở Công ty TNHH PouYuen Việt Nam",
        "Công đoàn cơ sở",
        "CD-KCXKCN",
    ),
    ("CDCS-NIDEC", "Công đoàn cơ sở Công ty Nidec Việt Nam", "Công đoàn cơ sở", "CD-KCXKCN"),
    ("CDCS-FREETREND", "Công đoàn cơ sở Công ty Freetrend", "Công đoàn cơ sở", "LDLD-KV-THUANAN"),
]

# (role, phone, name, scope unit codes)
ACCOUNTS = [
    ("system_admin", "0901000001", "Quản trị hệ thống", []),
    ("city_union_officer", "0901000002", "Trần Thị Thu (LĐLĐ TP)", []),
    ("union_officer", "0901000003", "Nguyễn Văn Hùng (CĐ KCX-KCN)", ["CD-KCXKCN"]),
    ("police_liaison", "0901000004", "Đại úy Lê Minh Đức (CA P. Thuận An)", ["79-P-THUANAN"]),
    ("team_leader", "0901000005", "Phạm Văn Bình (Tổ trưởng)", []),
    ("team_member", "0901000006", "Võ Thị Mai (Tổ viên)", []),
    (
        "police_liaison",
        "0901000007",
        "Thượng úy Trần Quốc Toàn (CA P. Tân Thuận)",
        ["79-P-TANTHUAN"],
    ),
]


async def _tree(session: AsyncSession, model, rows) -> dict[str, object]:
    by_code = {n.code: n for n in (await session.scalars(select(model))).all()}
    for code, name, level, parent in rows:
        if code not in by_code:
            parent_id = by_code[parent].id if parent else None
            by_code[code] = await create_unit(
                session,
                actor=None,
                model=model,
                code=code,
                name=name,
                level=level,
                parent_id=parent_id,
            )
    return by_code


async def seed(
    session: AsyncSession, settings: Settings | None = None
) -> list[tuple[str, str, str]]:
    """Create what is missing of the demo city; return (role, phone, password) per account."""
    admin = await _tree(session, AdminUnit, ADMIN_TREE)
    unions = await _tree(session, UnionUnit, UNION_TREE)
    units = admin | unions
    for role, phone, name, scope in ACCOUNTS:
        e164 = "+84" + phone[1:]
        if not await session.scalar(
            select(User.id).where(pii.phone_matches(User.phone_index, e164))
        ):
            await create_user(
                session,
                actor=None,
                phone=phone,
                password=DEMO_PASSWORD,
                role=role,
                full_name=name,
                scope_unit_ids=[units[c].id for c in scope],
            )
    await session.flush()
    await seed_registry(session, units)
    await session.flush()
    # So each console home has something; sealed with the serving app's key, or reveals fail.
    await seed_incidents(session, settings or get_settings())
    return [(role, phone, DEMO_PASSWORD) for role, phone, _, _ in ACCOUNTS]
