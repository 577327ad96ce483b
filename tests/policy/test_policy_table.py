"""The policy layer as a table: role × object kind × relation → visible or 404.

Called directly (``get_visible``, the rules and the decisions moved into ``backend.policy``),
not through HTTP, so a change of rule shows here as one changed row.

The world (tests/factories_teams.py): union X holds site A, team A (ward A) and its houses;
union Y holds team B (ward B). "mine" is the object on the caller's side, "theirs" the other.
"""

import uuid

import pytest
from sqlalchemy import select

from backend.core.errors import NotFound
from backend.models import BoardingHouse, Site, Team, TeamMember, UserScope
from backend.policy import Role, Subject, get_visible, load_subject, may
from backend.policy.incidents import queue_states, view_kind
from backend.policy.patrols import uploader_may_file
from backend.policy.registry import may_give_team_role
from tests.factories_teams import make_liaison, make_world

V, H = "visible", "404"

# who, kind, relation -> expected. Relations name objects built in _objects().
TABLE = [
    # system admin and the city federation: the whole city
    *[(who, kind, rel, V) for who in ("admin", "city_officer")
      for kind, rel in (
          ("team", "mine"), ("team", "theirs"), ("house", "mine"), ("house", "theirs"),
          ("member", "mine"), ("member", "theirs"), ("site", "mine"),
          ("site_jurisdiction", "mine"), ("ward_jurisdiction", "mine"),
      )],
    # union officer of X: their subtree only
    ("officer_x", "team", "mine", V),
    ("officer_x", "team", "theirs", H),
    ("officer_x", "house", "mine", V),
    ("officer_x", "house", "theirs", H),
    ("officer_x", "site", "mine", V),
    ("officer_x", "member", "mine", V),
    ("officer_x", "member", "theirs", H),
    ("officer_x", "site_jurisdiction", "mine", V),
    # union officer of Y: site A (and whom to call there) is not theirs
    ("officer_y", "site", "mine", H),
    ("officer_y", "site_jurisdiction", "mine", H),
    ("officer_y", "ward_jurisdiction", "mine", V),  # wards are reference data
    ("officer_y", "team", "theirs", V),
    # police liaison of ward A: their jurisdiction
    ("police_a", "team", "mine", V),
    ("police_a", "team", "theirs", H),
    ("police_a", "house", "mine", V),
    ("police_a", "house", "theirs", H),
    ("police_a", "site", "mine", V),
    ("police_a", "ward_jurisdiction", "mine", V),  # their own
    ("police_a", "site_jurisdiction", "mine", H),  # another liaison's
    # team leader and member of team A: their team
    *[(who, kind, rel, exp) for who in ("leader_a", "member_a")
      for kind, rel, exp in (
          ("team", "mine", V), ("team", "theirs", H),
          ("house", "mine", V), ("house", "theirs", H),
          ("member", "mine", V), ("member", "theirs", H),
          ("site", "mine", V),
          ("site_jurisdiction", "mine", H), ("ward_jurisdiction", "mine", H),
      )],
]  # fmt: skip


@pytest.fixture
async def world(session):
    w = await make_world(session)
    site_police = await make_liaison(session, sites=[w.site_a])
    await session.commit()
    w.site_police = site_police
    return w


async def _objects(session, w) -> dict[tuple[str, str], tuple[type, object]]:
    member_b = await session.scalar(select(TeamMember).where(TeamMember.team_id == w.team_b.id))
    ward_j = await session.scalar(select(UserScope).where(UserScope.user_id == w.police_a.id))
    site_j = await session.scalar(select(UserScope).where(UserScope.user_id == w.site_police.id))
    return {
        ("team", "mine"): (Team, w.team_a.id),
        ("team", "theirs"): (Team, w.team_b.id),
        ("house", "mine"): (BoardingHouse, w.house_a1.id),
        ("house", "theirs"): (BoardingHouse, w.house_b1.id),
        ("site", "mine"): (Site, w.site_a.id),
        ("member", "mine"): (TeamMember, w.member_a_row.id),
        ("member", "theirs"): (TeamMember, member_b.id),
        ("site_jurisdiction", "mine"): (UserScope, site_j.id),
        ("ward_jurisdiction", "mine"): (UserScope, ward_j.id),
    }


@pytest.mark.parametrize("who, kind, relation, expected", TABLE)
async def test_visibility_table(session, world, who, kind, relation, expected):
    subject = await load_subject(session, getattr(world, who))
    model, obj_id = (await _objects(session, world))[(kind, relation)]
    if expected == V:
        assert await get_visible(session, subject, model, obj_id) is not None
    else:
        with pytest.raises(NotFound):
            await get_visible(session, subject, model, obj_id)


def _subject(role: Role, **kw) -> Subject:
    return Subject(user_id=uuid.uuid4(), role=role, **kw)


@pytest.mark.parametrize(
    "role, full",
    [
        (Role.police_liaison, True),
        (Role.union_officer, False),
        (Role.city_union_officer, False),
        (Role.system_admin, False),
        (Role.team_leader, False),
    ],
)
def test_who_gets_the_full_incident_view(role, full):
    # dashboards/maps.py withholds protected reports on the map unless the view is full.
    assert (view_kind(_subject(role), is_reporter=False) == "full") is full


@pytest.mark.parametrize(
    "role, handler_kind, status, in_queue",
    [
        (Role.police_liaison, "police", "escalated", True),
        (Role.police_liaison, "union", "submitted", False),
        (Role.union_officer, "union", "submitted", True),
        (Role.union_officer, "police", "escalated", False),
        (Role.system_admin, "police", "escalated", True),
        (Role.system_admin, "union", "triaged", True),
        (Role.system_admin, "union", "closed", False),
    ],
)
def test_incident_queue_by_role(role, handler_kind, status, in_queue):
    # What backend.incidents.queries.queue reads, one part per pair.
    assert ((handler_kind, status) in queue_states(_subject(role))) is in_queue


@pytest.mark.parametrize(
    "role, roles, allowed",
    [
        (Role.team_leader, ("leader",), False),
        (Role.team_leader, ("deputy", "leader"), False),
        (Role.team_leader, ("member",), True),
        (Role.team_leader, ("deputy",), True),
        (Role.union_officer, ("leader",), True),
        (Role.system_admin, ("leader",), True),
    ],
)
def test_who_may_give_the_leader_role(role, roles, allowed):
    assert may_give_team_role(_subject(role), *roles) is allowed


def test_uploads_touch_only_the_uploaders_teams():
    mine, other = uuid.uuid4(), uuid.uuid4()
    assert uploader_may_file(frozenset({mine}), mine)
    assert not uploader_may_file(frozenset({mine}), other)
    assert not uploader_may_file(frozenset(), None)


@pytest.mark.parametrize(
    "role, allowed",
    [
        (Role.team_member, True),
        (Role.team_leader, True),
        (Role.union_officer, True),
        (Role.police_liaison, False),
    ],
)
def test_awareness_upload_permission(role, allowed):
    assert may(_subject(role), "awareness.write") is allowed
    assert may(None, "awareness.write") is False
