"""The request's one authentication statement (backend.policy.caller) against the generic one.

On PostgreSQL ``read_caller`` is plain SQL sent to asyncpg; it must find exactly the account,
scope and device state that the generic SQLAlchemy statement (``load_caller``, what SQLite
runs) finds for the same users. Revoked devices and deactivated accounts are refused.
"""

import uuid

from backend.core import clock
from backend.models import Device, TeamMember
from backend.policy.caller import read_caller
from backend.policy.subject import load_caller
from tests.factories_teams import make_liaison, make_world

WHO = ("admin", "city_officer", "officer_x", "police_a", "leader_a", "member_a", "leader_b")


async def _device(session, user, *, revoked: bool) -> Device:
    device = Device(
        user_id=user.id,
        client_device_id=f"phone-{uuid.uuid4().hex[:8]}",
        kind="mobile",
        revoked_at=clock.now() if revoked else None,
    )
    session.add(device)
    await session.flush()
    return device


async def test_caller_matches_the_generic_statement_for_every_role(session):
    w = await make_world(session)
    site_police = await make_liaison(session, sites=[w.site_a], admin_units=[w.ward_b])
    # A membership that ended yesterday no longer scopes the user to team B.
    session.add(
        TeamMember(
            team_id=w.team_b.id,
            user_id=w.member_a.id,
            full_name="Cũ",
            name_search="cu",
            role="member",
            since=clock.today().replace(year=2020),
            until=clock.today(),
        )
    )
    await session.flush()
    users = [getattr(w, name) for name in WHO] + [site_police]
    for user in users:
        device = await _device(session, user, revoked=False)
        caller = await read_caller(session, user_id=user.id, device_id=device.id)
        generic = await load_caller(session, user.id, device.id)
        assert caller is not None and generic is not None
        s, g = caller.subject, generic.subject
        assert (s.user_id, s.role, s.team_ids, s.site_ids) == (
            g.user_id,
            g.role,
            g.team_ids,
            g.site_ids,
        )
        assert sorted(s.union_paths) == sorted(g.union_paths)
        assert sorted(s.admin_paths) == sorted(g.admin_paths)
        assert sorted(caller.scope_unit_ids) == sorted(generic.scope_unit_ids)
        assert caller.account.id == user.id and caller.account.phone == user.phone
        assert caller.device_id == device.id
    assert (
        w.team_b.id
        not in (await read_caller(session, user_id=w.member_a.id, device_id=None)).subject.team_ids
    )
    assert (
        await read_caller(session, user_id=site_police.id, device_id=None)
    ).subject.site_ids == {w.site_a.id}


async def test_revoked_device_unknown_and_deactivated_accounts_are_refused(session):
    w = await make_world(session)
    revoked = await _device(session, w.leader_a, revoked=True)
    assert await read_caller(session, user_id=w.leader_a.id, device_id=revoked.id) is None
    assert await read_caller(session, user_id=uuid.uuid4(), device_id=None) is None
    w.member_a.is_active = False
    await session.flush()
    assert await read_caller(session, user_id=w.member_a.id, device_id=None) is None
    # A token without a device (the OAuth2 flow's web sign-in binds one too; old tokens none).
    assert await read_caller(session, user_id=w.leader_a.id, device_id=None) is not None
