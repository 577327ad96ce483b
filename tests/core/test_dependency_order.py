"""Every route loads its object (404 when out of scope) before it checks the role (403).

Why the order matters: an object outside the caller's scope must answer 404 whatever the
caller's role, so the answer for one id never depends on which check ran first.
"""

from fastapi.routing import APIRoute

from backend.core.config import Settings
from backend.main import create_app

LOADER_PREFIXES = ("valid_", "locked_", "visible_")


def _walk(dependant, out: list[str]) -> list[str]:
    for dep in dependant.dependencies:
        name = getattr(dep.call, "__qualname__", "")
        out.append(name)
        _walk(dep, out)
    return out


def _routes():
    app = create_app(
        Settings(environment="test", database_url="sqlite+aiosqlite://", secret_key="x" * 40)
    )
    found, pending = [], list(app.routes)
    while pending:  # included routers are wrapped: unwrap them to reach their routes
        route = pending.pop()
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            pending.extend(inner.routes)
    return found


def test_loaders_run_before_role_checks():
    wrong = []
    checked = 0
    for route in _routes():
        order = _walk(route.dependant, [])
        loaders = [
            i for i, n in enumerate(order) if n.rpartition(".")[2].startswith(LOADER_PREFIXES)
        ]
        checks = [i for i, n in enumerate(order) if n.endswith("allowed.<locals>._check")]
        if loaders and checks:
            checked += 1
            if min(checks) < min(loaders):
                wrong.append(f"{sorted(route.methods)} {route.path}: {order}")
    assert checked > 20, "the walk found too few routes with both: is it still looking?"
    assert not wrong, "\n".join(wrong)
