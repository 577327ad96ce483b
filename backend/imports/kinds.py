"""Which handler imports which kind."""

from backend.imports.engine import Handler
from backend.imports.houses import HouseImport
from backend.imports.members import MemberImport
from backend.imports.schemas import ImportKind
from backend.imports.sites import SiteImport
from backend.imports.teams import TeamImport

HANDLERS: dict[ImportKind, type[Handler]] = {
    ImportKind.sites: SiteImport,
    ImportKind.houses: HouseImport,
    ImportKind.teams: TeamImport,
    ImportKind.members: MemberImport,
}


def handler_for(kind: ImportKind | str) -> Handler:
    """A fresh handler (it holds one run's look-ups)."""
    return HANDLERS[ImportKind(kind)]()
