"""Each role's home page, for `/`."""

from fastapi import Request

from backend.console import admin, police, team, union
from backend.console.web import Console
from backend.policy import Role


async def home_for(request: Request, session, console: Console):
    """Police: the live queue; unions and the federation: the dashboard; administrators: the
    administration home; team leaders and members: their team."""
    role = console.subject.role
    if role == Role.police_liaison:
        return await police.queue_page(request, session, console)
    if role in (Role.union_officer, Role.city_union_officer):
        return await union.dashboard_page(request, session, console)
    if role == Role.system_admin:
        return await admin.admin_home(request, session, console)
    return await team.team_home(request, session, console)
