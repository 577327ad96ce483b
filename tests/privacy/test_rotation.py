"""`ttq keys rotate`: every seal and index moves to the current keys, in resumable batches."""

import base64
import json
import os

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core import pii
from backend.core.config import Settings, get_settings
from backend.incidents.sealing import sealer_for
from backend.models import BoardingHouse
from backend.models.contact import UserContact
from backend.privacy.rotation import rotate_keys
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_user
from tests.factories_teams import add_member

OLD_SEAL, NEW_SEAL = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
OLD_INDEX, NEW_INDEX = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))


# The secret-derived keys the world was sealed with, listed as an operator moving off them does.
LEGACY_SEAL = {pii.fingerprint(TEST_SECRET, b"phone-seal/1"): TEST_SECRET}
LEGACY_INDEX = {pii.fingerprint(TEST_SECRET, b"phone-index/1"): TEST_SECRET}


def _settings(database_url: str, *, rotated: bool, legacy: bool = True, old: bool = True):
    keys = {**(LEGACY_SEAL if legacy else {}), **({"2025": OLD_SEAL} if old else {})}
    index = {**(LEGACY_INDEX if legacy else {}), **({"i25": OLD_INDEX} if old else {})}
    if rotated:
        keys["2026"], index["i26"] = NEW_SEAL, NEW_INDEX
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        pii_keys=keys,
        pii_key_id="2026" if rotated else "2025",
        pii_index_keys=index,
        pii_index_key_id="i26" if rotated else "i25",
    )


async def _seal_world_under_old_keys(session, world, database_url):
    pii.install(pii.keyring_for(_settings(database_url, rotated=False)))
    users = [await make_user(session, role="team_member") for _ in range(5)]
    for n, user in enumerate(users):
        await add_member(session, world.team_a, full_name=f"Tổ viên {n}", phone=f"093311100{n}")
        session.add(UserContact(user_id=user.id, channel="sms", phone=user.phone))
        session.add(UserContact(user_id=user.id, channel="zalo", pending_phone=user.phone))
    house = await session.get(BoardingHouse, world.house_a1.id)
    house.landlord_phone = "+84903777888"
    await session.commit()
    return users


async def _key_ids(session) -> set[str]:
    found = set()
    for table, column in (
        ("user_account", "phone"),
        ("team_member", "phone"),
        ("boarding_house", "landlord_phone"),
        ("user_contact", "phone"),
        ("user_contact", "pending_phone"),
    ):
        rows = await session.execute(text(f"SELECT {column}_sealed FROM {table}"))
        found |= {"seal:" + pii.split_sealed(s)[1] for (s,) in rows if s}
        if column != "pending_phone":
            rows = await session.execute(text(f"SELECT {column}_index FROM {table}"))
            found |= {"index:" + pii.index_key_id(i) for (i,) in rows if i}
    return found


async def test_rotation_reseals_everything_resumably_and_once(
    app, client, session, world, database_url
):
    # The world was sealed with the app's derived key: it too must move to the new key.
    users = await _seal_world_under_old_keys(session, world, database_url)
    rotated = _settings(database_url, rotated=True)
    ring, sealer = pii.keyring_for(rotated), sealer_for(rotated)
    pii.install(ring)
    accounts = await session.scalar(text("SELECT count(*) FROM user_account"))

    class Stop(Exception):
        pass

    calls = []

    def interrupt(label, done, total):
        calls.append((label, done, total))
        if len(calls) == 2:
            raise Stop  # the process dies after two committed batches

    with pytest.raises(Stop):
        await rotate_keys(
            app.state.session_factory, ring=ring, sealer=sealer, batch_size=2, progress=interrupt
        )
    assert calls[0][0] == "user_account.phone" and calls[0][1] == 2
    assert {"seal:2025", "seal:2026"} <= await _key_ids(session)  # half done, still readable

    report = await rotate_keys(app.state.session_factory, ring=ring, sealer=sealer, batch_size=2)
    assert report.total_unavailable == 0
    assert report.resealed["user_account.phone"] == accounts - 4  # two batches were done
    assert report.resealed["boarding_house.landlord_phone"] == 1
    assert await _key_ids(session) == {"seal:2026", "index:i26"}

    again = await rotate_keys(app.state.session_factory, ring=ring, sealer=sealer, batch_size=2)
    assert again.total_resealed == 0 and sum(again.scanned.values()) > 0

    # Only the new keys are needed now: sign-in (blind index) and reads work without the old.
    only_new = _settings(database_url, rotated=True, legacy=False, old=False)
    pii.install(pii.keyring_for(only_new))
    r = await client.post(
        "/api/v1/auth/token", data={"username": users[0].phone, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    session.expunge_all()
    house = await session.get(BoardingHouse, world.house_a1.id)
    assert house.landlord_phone == "+84903777888"


async def test_lookups_span_both_index_keys_during_a_rotation(client, session, world, database_url):
    users = await _seal_world_under_old_keys(session, world, database_url)
    pii.install(pii.keyring_for(_settings(database_url, rotated=True)))  # not rotated yet
    r = await client.post(
        "/api/v1/auth/token", data={"username": users[0].phone, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text


def test_cli_rotate_reports_and_is_idempotent(database_url, world, monkeypatch):
    accounts = len({u.id for u in (world.admin, world.leader_a, world.member_a, world.leader_b)})
    accounts += 4  # city officer, two union officers, the police liaison
    monkeypatch.setenv("TTQ_DATABASE_URL", database_url)
    monkeypatch.setenv("TTQ_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("TTQ_ENVIRONMENT", "test")
    monkeypatch.setenv("TTQ_PII_KEYS", json.dumps({"2026": NEW_SEAL}))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        # The world's seals were made with the secret-derived key, which is not listed: refused.
        result = runner.invoke(cli, ["keys", "rotate"])
        assert result.exit_code == 1, result.output
        assert "key_unavailable" in result.output
        keys = {"2026": NEW_SEAL, **LEGACY_SEAL}
        monkeypatch.setenv("TTQ_PII_KEYS", json.dumps(keys))
        monkeypatch.setenv("TTQ_PII_KEY_ID", "2026")
        get_settings.cache_clear()
        result = runner.invoke(cli, ["--lang", "en", "keys", "rotate", "--batch-size", "3"])
        assert result.exit_code == 0, result.output
        assert (
            f"user_account.phone: scanned {accounts}, resealed {accounts}, unopened 0"
            in result.output
        )
        result = runner.invoke(cli, ["keys", "rotate"])
        assert result.exit_code == 0, result.output
        assert f"user_account.phone: đã xét {accounts}, mã hóa lại 0" in result.output
    finally:
        get_settings.cache_clear()
