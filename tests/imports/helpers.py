"""Building import files in memory and posting them."""

import csv
import io
import sqlite3
from typing import Any

from openpyxl import Workbook

from tests.factories import auth

HOUSE_HEADERS = [
    "Mã nhà trọ",
    "Tên nhà trọ",
    "Địa chỉ",
    "Mã phường/xã",
    "Vĩ độ",
    "Kinh độ",
    "SĐT chủ nhà trọ",
    "Số phòng",
]


def csv_bytes(headers: list[str], rows: list[list[Any]], *, bom: bool = False, sep=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def house_row(code: str, ward, *, lat=10.9001, lon=106.7501, phone="0912345678", rooms=10):
    return [code, f"Nhà trọ {code}", f"{code} đường Độc Lập", ward.code, lat, lon, phone, rooms]


async def post_import(
    client, app, user, kind: str, data: bytes, *, dry_run: bool = False, name: str = "f.csv"
):
    return await client.post(
        f"/api/v1/imports/{kind}",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, data, "application/octet-stream")},
        headers=auth(app, user),
    )


def located(body: dict) -> set[tuple]:
    """The problems as (row, column, code) triples."""
    return {(e["row"], e["column"], e["code"]) for e in body["errors"]}


def write_lock_state(path: str) -> str:
    """Whether another writer gets SQLite's write lock at once: "free", or SQLite's refusal."""
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return "free"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()
