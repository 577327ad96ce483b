"""Editing an enterprise from the console: through the registry's update service (checked,
audited), with the version the form was read at (a stale form is refused), admins only."""

import re
import uuid

from sqlalchemy import select

from backend.models import AuditEvent, Enterprise
from tests.console.conftest import csrf, sign_in


async def _stored(session, enterprise_id) -> Enterprise:
    return await session.scalar(
        select(Enterprise)
        .where(Enterprise.id == enterprise_id)
        .execution_options(populate_existing=True)
    )


def _form_version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


async def test_edit_an_enterprise(client, city, session):
    eid = city.enterprise.id
    await sign_in(client, city.admin)
    listed = await client.get("/admin/enterprises")
    assert f"/admin/enterprises/{eid}" in listed.text
    page = await client.get(f"/admin/enterprises/{eid}")
    assert page.status_code == 200 and "Công ty Nidec" in page.text
    version = _form_version(page.text)
    token = await csrf(client, f"/admin/enterprises/{eid}")
    form = {
        "csrf_token": token,
        "version": version,
        "name": "Công ty Nidec Việt Nam",
        "site_id": str(city.site.id),
        "tax_code": "0309876543",
        "sector": "Điện tử",
        "headcount": "3500",
    }
    saved = await client.post(f"/admin/enterprises/{eid}", data=form)
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=saved")
    row = await _stored(session, eid)
    assert (row.name, row.tax_code, row.sector, row.headcount) == (
        "Công ty Nidec Việt Nam",
        "0309876543",
        "Điện tử",
        3500,
    )
    assert row.version == int(version) + 1
    event = await session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "enterprise.update", AuditEvent.object_id == str(eid)
        )
    )
    assert event is not None and event.actor_id == city.admin.id
    assert event.before["name"] == "Công ty Nidec" and event.after["tax_code"] == "0309876543"

    # The same (now stale) form again: refused, nothing changed, the form shows the news.
    stale = await client.post(f"/admin/enterprises/{eid}", data={**form, "name": "Cũ"})
    assert stale.status_code == 412 and "người khác thay đổi" in stale.text
    assert _form_version(stale.text) == str(row.version)
    missing = await client.post(
        f"/admin/enterprises/{eid}", data={**form, "version": "", "name": "Không phiên bản"}
    )
    assert missing.status_code == 428
    bad = await client.post(
        f"/admin/enterprises/{eid}",
        data={**form, "version": str(row.version), "tax_code": "12ab"},
    )
    assert bad.status_code == 422 and "Mã số thuế" in bad.text
    assert (await _stored(session, eid)).name == "Công ty Nidec Việt Nam"
    unknown = await client.get(f"/admin/enterprises/{uuid.uuid4()}")
    assert unknown.status_code == 404 and "404" in unknown.text


async def test_enterprise_edit_is_for_administrators(client, city, session):
    eid = city.enterprise.id
    await sign_in(client, city.officer_x)
    assert (await client.get(f"/admin/enterprises/{eid}")).status_code == 403
    token = await csrf(client, "/")
    refused = await client.post(
        f"/admin/enterprises/{eid}",
        data={"csrf_token": token, "version": "1", "name": "Đổi tên"},
    )
    assert refused.status_code == 403
    assert (await _stored(session, eid)).name == "Công ty Nidec"
