"""Migration 0014 seals the phone numbers already stored, and its downgrade gives them back."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from backend.core import pii
from backend.core.config import Settings
from backend.core.migrate import downgrade, upgrade
from tests.conftest import TEST_SECRET
from tests.core.tempdb import fresh_database
from tests.test_migrations import inspect_db

RING = pii.keyring_for(
    Settings(environment="test", database_url="", secret_key=TEST_SECRET + "-migration")
)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def fresh_url(tmp_path):
    with fresh_database(tmp_path) as url, pii.using(RING):
        yield url


def _id(conn, value: uuid.UUID):
    return value.hex if conn.dialect.name == "sqlite" else value


def _seed_plain(conn) -> dict[str, uuid.UUID]:
    """Rows as revision 0013 stored them: numbers in the clear."""
    ids = {k: uuid.uuid4() for k in ("user", "other", "unit", "team", "member", "house", "contact")}
    conn.execute(
        text(
            "INSERT INTO user_account (id, phone, full_name, password_hash, role, is_active,"
            " created_at, updated_at, version) VALUES (:id, :phone, 'A', 'x', 'team_member',"
            " true, :now, :now, 1)"
        ),
        [
            {"id": _id(conn, ids["user"]), "phone": "+84912345678", "now": NOW},
            {"id": _id(conn, ids["other"]), "phone": "+84987000111", "now": NOW},
        ],
    )
    conn.execute(
        text(
            "INSERT INTO user_contact (id, user_id, channel, phone, pending_phone, code_attempts,"
            " muted, created_at, updated_at) VALUES (:id, :u, 'sms', '+84912345678',"
            " '+84933000111', 0, false, :now, :now)"
        ),
        {"id": _id(conn, ids["contact"]), "u": _id(conn, ids["user"]), "now": NOW},
    )
    conn.execute(
        text("INSERT INTO login_attempt (phone, client_ip, created_at) VALUES (:p, '1.2.3.4', :n)"),
        {"p": "+84912345678", "n": NOW},
    )
    return ids


def _plain_phones(conn) -> set[str]:
    return set(conn.execute(text("SELECT phone FROM user_account")).scalars())


def test_0014_seals_existing_numbers_and_downgrade_restores_them(fresh_url):
    upgrade(fresh_url, "0013")
    inspect_db(fresh_url, _seed_plain)
    upgrade(fresh_url, "0014")

    def check_sealed(conn):
        rows = conn.execute(text("SELECT phone_sealed, phone_index FROM user_account")).all()
        assert {RING.open(s, context="user_account.phone") for s, _ in rows} == {
            "+84912345678",
            "+84987000111",
        }
        assert {i for _, i in rows} == {RING.index("0912345678"), RING.index("+84987000111")}
        contact = conn.execute(
            text("SELECT phone_sealed, phone_index, pending_phone_sealed FROM user_contact")
        ).one()
        assert RING.open(contact[0], context="user_contact.phone") == "+84912345678"
        assert contact[1] == RING.index("+84912345678")
        assert RING.open(contact[2], context="user_contact.pending_phone") == "+84933000111"
        attempt = conn.execute(text("SELECT phone_index FROM login_attempt")).scalar_one()
        assert attempt == RING.index("+84912345678")
        dump = " ".join(
            str(r)
            for t in ("user_account", "user_contact", "login_attempt")
            for r in conn.execute(text(f"SELECT * FROM {t}")).all()
        )
        assert "912345678" not in dump and "933000111" not in dump

    inspect_db(fresh_url, check_sealed)

    def duplicate(conn):  # uniqueness holds on the index: one number, one account
        conn.execute(
            text(
                "INSERT INTO user_account (id, phone_sealed, phone_index, full_name,"
                " password_hash, role, is_active, created_at, updated_at, version) VALUES"
                " (:id, 'p1.x.y', :idx, 'B', 'x', 'team_member', true, :now, :now, 1)"
            ),
            {"id": _id(conn, uuid.uuid4()), "idx": RING.index("+84912345678"), "now": NOW},
        )

    with pytest.raises(Exception, match=r"(?i)unique"):
        inspect_db(fresh_url, duplicate)

    downgrade(fresh_url, "0013")
    assert inspect_db(fresh_url, _plain_phones) == {"+84912345678", "+84987000111"}
    contact = inspect_db(
        fresh_url,
        lambda c: c.execute(text("SELECT phone, pending_phone FROM user_contact")).one(),
    )
    assert tuple(contact) == ("+84912345678", "+84933000111")
    upgrade(fresh_url)  # and up again
