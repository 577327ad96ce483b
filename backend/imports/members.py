"""Importing team members: people with a name and a phone, on a team, with a role and dates.

Members have no code of their own: a row is the same member again when it names the same team
and the same phone, or the same name (ignoring diacritics) of someone listed without a phone.
A member whose phone is that of an active team-leader or team-member account is linked to the
account, so they see their team when they sign in.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock, pii
from backend.core.text import fold
from backend.imports.columns import Column, as_text, read_choice, read_date
from backend.imports.engine import Handler, Row
from backend.imports.lookups import chunks, fresh, rows_by_code, visible_ids
from backend.models import Team, TeamMember, User
from backend.policy import Subject
from backend.policy.registry import team_manage_rule
from backend.registry.validation import Problems, clean_phone, clean_text
from backend.teams import members as members_service
from backend.teams.validation import is_current

ROLES = {
    "leader": ("tổ trưởng", "trưởng"),
    "deputy": ("tổ phó", "phó"),
    "member": ("tổ viên", "thành viên"),
}

COLUMNS = (
    Column(
        "team_code",
        "Mã tổ",
        "Team code",
        "Mã tổ tự quản (đã có trong hệ thống)",
        example="TTQ-TDH-01",
        required=True,
        aliases=("ma to tu quan", "team"),
    ),
    Column(
        "full_name",
        "Họ và tên",
        "Full name",
        "Họ tên đầy đủ",
        example="Trần Thị Bình",
        required=True,
        aliases=("ho ten", "ten", "name"),
    ),
    Column(
        "phone",
        "Số điện thoại",
        "Phone",
        "Số điện thoại Việt Nam; dùng để nhận ra người này khi nhập lại",
        example="0987654321",
        aliases=("sdt", "dien thoai", "so dt", "phone number"),
    ),
    Column(
        "role",
        "Vai trò",
        "Role",
        "tổ trưởng / tổ phó / tổ viên (trống: tổ viên khi thêm mới, giữ nguyên khi cập nhật)",
        example="tổ viên",
        aliases=("chuc vu", "vai tro trong to"),
        choices=ROLES,
    ),
    Column(
        "since",
        "Từ ngày",
        "Since",
        "dd/mm/yyyy (trống: hôm nay khi thêm mới)",
        example="01/06/2025",
        aliases=("ngay vao to", "ngay bat dau"),
        text=False,
    ),
    Column(
        "until",
        "Đến ngày",
        "Until",
        "Ngày rời tổ, dd/mm/yyyy (trống: vẫn đang trong tổ)",
        aliases=("ngay roi to", "ngay ket thuc"),
        text=False,
    ),
)
MEMBER_ACCOUNT_ROLES = members_service.MEMBER_ACCOUNT_ROLES


class MemberImport(Handler):
    kind = "members"
    permission = "team.members.write"
    columns = COLUMNS
    key_field = "phone"
    field_columns = {"user_id": "phone", "team_id": "team_code"}

    def clean(self, p: Problems, raw: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "team_code": clean_text(
                p, "team_code", as_text(raw.get("team_code")), max_length=64, required=True
            ),
            "full_name": clean_text(
                p, "full_name", raw.get("full_name"), max_length=255, required=True
            ),
        }
        if "phone" in raw:
            out["phone"] = clean_phone(p, "phone", as_text(raw["phone"]))
        if out["full_name"]:
            out["full_name"] = " ".join(out["full_name"].split())  # as the service stores it
        if "role" in raw:
            out["role"] = read_choice(p, "role", raw["role"], ROLES)
        if "since" in raw:
            out["since"] = read_date(p, "since", raw["since"])
            if out["since"] and out["since"] > clock.today():
                p.add("since", "since_in_future")
        if "until" in raw:
            out["until"] = read_date(p, "until", raw["until"])
            if out["until"] and out.get("since") and out["until"] < out["since"]:
                p.add("until", "invalid_period")
        return out

    def key(self, values: dict[str, Any]) -> Any:
        if values["team_code"] is None:
            return None
        if values.get("phone"):
            return values["team_code"], values["phone"]
        return values["team_code"], "name", fold(values["full_name"])

    async def prepare(self, session: AsyncSession, actor: Subject | None, rows: list[Row]) -> None:
        teams = await rows_by_code(session, Team, (r.values["team_code"] for r in rows))
        live = [t.id for t in teams.values() if t.deleted_at is None]
        seen = await visible_ids(session, actor, Team, live)
        managed = seen
        if actor is not None:
            managed = await visible_ids(session, actor, Team, seen, team_manage_rule(actor))
        self.members: dict[Any, list[TeamMember]] = {}
        for chunk in chunks(managed):
            stmt = select(TeamMember).where(
                TeamMember.team_id.in_(chunk), TeamMember.deleted_at.is_(None)
            )
            for member in (await session.scalars(stmt)).all():
                self.members.setdefault(member.team_id, []).append(member)
        self.accounts = await _accounts(session, [r.values.get("phone") for r in rows])
        for row in rows:
            code = row.values["team_code"]
            team = teams.get(code) if code else None
            if code is None:
                continue
            if team is None or team.id not in seen:
                row.add("team_code", "unknown_team", code)
            elif team.id not in managed:
                row.add("team_code", "not_team_manager", code)
            else:
                row.values["team"] = team

    def _existing(self, v: dict[str, Any]) -> TeamMember | None:
        """The member this row names again: same phone (else same name, listed without a
        phone), the current membership first, else the latest."""
        name, phone = fold(v["full_name"]), v.get("phone")
        listed = self.members.get(v["team"].id, [])
        candidates = [m for m in listed if phone and m.phone == phone]
        if not candidates:
            # Someone first listed without a phone keeps their listing when one is added.
            candidates = [m for m in listed if m.phone is None and fold(m.full_name) == name]
        candidates.sort(key=lambda m: (is_current(m.until), m.since), reverse=True)
        return candidates[0] if candidates else None

    async def apply(self, session: AsyncSession, actor: Subject | None, row: Row) -> str:
        v = row.values
        team = await fresh(session, v["team"])
        member = self._existing(v)
        if member is None:
            await members_service.add_member(
                session,
                actor=actor,
                team=team,
                user_id=self.accounts.get(v.get("phone")),
                full_name=v["full_name"],
                phone=v.get("phone"),
                role=v.get("role") or "member",
                since=v.get("since"),
                until=v.get("until"),
            )
            return "created"
        await fresh(session, member)
        # Blank role or start date: unchanged; blank phone or end date: cleared (still on it).
        wanted = {f: v[f] for f in ("full_name", "phone", "until") if f in v}
        wanted |= {f: v[f] for f in ("role", "since") if v.get(f) is not None}
        changes = {f: value for f, value in wanted.items() if getattr(member, f) != value}
        if not changes:
            return "unchanged"
        await members_service.update_member(session, actor=actor, member=member, **changes)
        return "updated"


async def _accounts(session: AsyncSession, phones: list[str | None]) -> dict[str, Any]:
    """``phone -> user id`` of the active accounts a membership may be linked to."""
    out: dict[str, Any] = {}
    for chunk in chunks(phones):
        # Found by blind index (the numbers are sealed); the sealed column opens to the number.
        stmt = select(User.phone, User.id).where(
            pii.phones_matching(User.phone_index, [p for p in chunk if p]),
            User.is_active.is_(True),
            User.role.in_(MEMBER_ACCOUNT_ROLES),
        )
        out.update((await session.execute(stmt)).all())
    return out
