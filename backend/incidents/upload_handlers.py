"""The ``incident`` item kind of the batch upload: the same rules as ``PUT /incidents/{id}``."""

import uuid
from typing import Literal

from backend.core.errors import Conflict, DomainError
from backend.incidents import service
from backend.incidents.schemas import IncidentPut
from backend.incidents.sealing import sealer_for
from backend.sync.upload_service import (
    Envelope,
    ItemHandler,
    ItemResult,
    UploadContext,
    register_handler,
)


class IncidentItem(IncidentPut):
    """An incident in a batch: the PUT body plus its kind and the phone's UUID."""

    kind: Literal["incident"]
    id: uuid.UUID


async def handle_incidents(ctx: UploadContext, items: list[Envelope]) -> list[ItemResult]:
    """Store each incident once (created / duplicate / conflict / rejected per item).

    One at a time through the PUT's own service: incidents are few, and each is routed and
    escalated on submit. Every check runs before the first write, so a refused item leaves
    nothing behind in the batch's transaction.
    """
    sealer = sealer_for(ctx.settings)
    results = []
    for env in items:
        body = IncidentPut.model_validate(env.item.model_dump(exclude={"kind", "id"}))
        try:
            _, created, _ = await service.put_incident(
                ctx.session,
                subject=ctx.subject,
                incident_id=env.item.id,
                body=body,
                sealer=sealer,
                settings=ctx.settings,
                now=ctx.now,
            )
        except Conflict as exc:
            results.append(ctx.conflict(env, exc.code))
            continue
        except DomainError as exc:
            results.append(ctx.rejected(env, exc.status, exc.code, **exc.extra))
            continue
        results.append(ctx.result(env, "created" if created else "duplicate"))
    return results


register_handler(
    ItemHandler(kind="incident", model=IncidentItem, handle=handle_incidents, order=60)
)
