"""Demo incidents, so each demo account's console home has something to show: a protected
trafficking tip and a drugs report at the police liaison's zone (escalated at once), and a
theft and a fire risk for the union. Reported by the demo team member through the incidents
service, as a phone would; skipped when already there."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from backend.core import clock, pii
from backend.core.config import Settings
from backend.incidents import service
from backend.incidents.schemas import IncidentPut, PersonInvolved
from backend.incidents.sealing import sealer_for
from backend.models import BoardingHouse, User
from backend.models.incident import Incident
from backend.policy import load_subject

NAMESPACE = uuid.UUID("5f0c1d2e-7a31-4c1b-9d3e-2b8f0a6c4e11")
REPORTER = "+84901000006"  # the demo team member (Tổ tự quản khu trọ Bình Hòa, VSIP I)
# (key, category, subtype, severity, hours ago, house code, summary, protected, persons)
INCIDENTS = [
    (
        "job-offer",
        "trafficking",
        "job_offer",
        2,
        1,
        "KCN-VSIP1-NT02",
        "Người lạ rủ nữ công nhân đi làm việc lương cao ở nước ngoài, đòi giữ CCCD",
        True,
        [PersonInvolved(full_name="Nguyễn Thị Hoa", role="victim", age=19)],
    ),
    (
        "drugs",
        "drugs",
        None,
        2,
        3,
        "KCN-VSIP1-NT04",
        "Nghi có nhóm thanh niên sử dụng ma túy ở phòng cuối dãy trọ",
        False,
        [],
    ),
    (
        "theft",
        "theft",
        None,
        3,
        20,
        "KCN-VSIP1-NT01",
        "Mất xe máy trước cửa phòng 7 lúc nửa đêm",
        False,
        [],
    ),
    (
        "fire",
        "fire_safety",
        None,
        3,
        30,
        "KCN-VSIP1-NT03",
        "Dây điện câu nối tạm bợ qua mái tôn, nguy cơ chập cháy",
        False,
        [],
    ),
]


async def seed_incidents(session, settings: Settings) -> int:
    """Report the demo incidents that are missing; returns how many were created."""
    reporter = await session.scalar(
        select(User).where(pii.phone_matches(User.phone_index, REPORTER))
    )
    if reporter is None:
        return 0
    subject = await load_subject(session, reporter)
    sealer = sealer_for(settings)
    created = 0
    for key, category, subtype, severity, hours, house_code, summary, protect, persons in INCIDENTS:
        incident_id = uuid.uuid5(NAMESPACE, key)
        if await session.get(Incident, incident_id) is not None:
            continue
        house = await session.scalar(select(BoardingHouse).where(BoardingHouse.code == house_code))
        body = IncidentPut(
            category=category,
            subtype=subtype,
            severity=severity,
            occurred_at=clock.now() - timedelta(hours=hours),
            summary=summary,
            house_id=house.id if house else None,
            protect_reporter=protect,
            persons_involved=persons,
        )
        await service.put_incident(
            session,
            subject=subject,
            incident_id=incident_id,
            body=body,
            sealer=sealer,
            settings=settings,
            now=clock.now(),
        )
        created += 1
    return created
