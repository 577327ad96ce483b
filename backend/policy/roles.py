"""The roles and what each may do, as data."""

from enum import StrEnum


class Role(StrEnum):
    system_admin = "system_admin"
    city_union_officer = "city_union_officer"
    union_officer = "union_officer"
    police_liaison = "police_liaison"
    team_leader = "team_leader"
    team_member = "team_member"


# Which kind of unit a role's scope assignments name.
SCOPE_UNIT_KIND: dict[Role, str | None] = {
    Role.system_admin: None,
    Role.city_union_officer: None,
    Role.union_officer: "union_unit",
    Role.police_liaison: "admin_unit",
    Role.team_leader: None,
    Role.team_member: None,
}

ALL = frozenset(Role)
ADMIN = frozenset({Role.system_admin})
UNION = frozenset({Role.city_union_officer, Role.union_officer})
# The roles at a desk: their reads span subtrees and periods, so PostgreSQL plans each for the
# values at hand (backend.core.db.plan_for_parameters); a generic plan, chosen for a prepared
# statement after its fifth run, guessed a scope path matches one unit and read a district's
# scans in 3.3 s instead of 5 ms. The phone roles' statements are keyed by ids and keep theirs.
DESK_ROLES = ADMIN | UNION | frozenset({Role.police_liaison})

# action -> roles allowed to attempt it (the object must also be in the caller's scope).
TEAM_LEAD = frozenset({Role.team_leader})
REGISTRY_WRITERS = ADMIN | UNION

PERMISSIONS: dict[str, frozenset[Role]] = {
    "user.manage": ADMIN,
    "hierarchy.write": ADMIN,
    "audit.read": ADMIN,
    # A data subject's request (export, erasure) is answered by the system's administrators.
    "personal_data.manage": ADMIN,
    "console.admin": ADMIN,  # the console's administration pages and their actions
    # Registry: onboarding of sites is the city's job; houses and teams are managed by the
    # unions in whose subtree they are; a team leader keeps their own team's lists.
    "site.write": ADMIN | {Role.city_union_officer},
    "enterprise.write": REGISTRY_WRITERS,
    "house.write": REGISTRY_WRITERS,
    "house.rotate_checkpoint": REGISTRY_WRITERS | TEAM_LEAD,
    "team.write": REGISTRY_WRITERS,
    "team.members.write": REGISTRY_WRITERS | TEAM_LEAD,
    "team.houses.write": REGISTRY_WRITERS | TEAM_LEAD,
    "jurisdiction.write": ADMIN,
    "registry.import": REGISTRY_WRITERS,
}
