"""The patrol domain's item kinds in the batch upload: patrol, patrol_end, scan, track."""

from backend.patrols.ingest import handle_patrol_ends, handle_patrols
from backend.patrols.ingest_scans import handle_scans
from backend.patrols.schemas import PatrolEndItem, PatrolItem, ScanItem, TrackItem
from backend.patrols.tracks import handle_tracks
from backend.sync.upload_service import ItemHandler, register_handler

# Patrols first (they file what waited for them), then ends (scans after an end are judged
# against it), then scans and tracks. Each locks the patrol it belongs to (see lock_ids).
register_handler(
    ItemHandler(
        kind="patrol",
        model=PatrolItem,
        handle=handle_patrols,
        order=10,
        parent_of=lambda item: item.id,
    )
)
register_handler(
    ItemHandler(
        kind="patrol_end",
        model=PatrolEndItem,
        handle=handle_patrol_ends,
        order=20,
        parent_of=lambda item: item.id,
    )
)
register_handler(
    ItemHandler(
        kind="scan",
        model=ScanItem,
        handle=handle_scans,
        order=30,
        parent_of=lambda item: item.patrol_id,
    )
)
register_handler(
    ItemHandler(
        kind="track",
        model=TrackItem,
        handle=handle_tracks,
        order=40,
        parent_of=lambda item: item.patrol_id,
    )
)
