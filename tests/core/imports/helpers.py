"""Building member files (CSV, .xlsx) and driving the import API in tests."""
from __future__ import annotations

import base64
import csv
import io

from tests.conftest import drain_jobs


def csv_bytes(rows, encoding="utf-8-sig", delimiter=",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("会员")
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(api, content: bytes, filename="members.csv", status=(201,)):
    """POST /imports as multipart (the way browsers and scripts send files)."""
    resp = api("POST", "/imports", data={"file": (io.BytesIO(content), filename)},
               content_type="multipart/form-data")
    assert resp.status_code in status, (resp.status_code, resp.get_json())
    return resp.get_json()


def upload_json(api, content: bytes, filename="members.csv"):
    return api.ok("POST", "/imports", {"filename": filename,
                                       "content_base64": base64.b64encode(content).decode()})


def check(app, api, batch_id, mapping=None) -> dict:
    body = {"mapping": mapping} if mapping is not None else {}
    api.ok("POST", f"/imports/{batch_id}/dry-run", body, status=(202,))
    drain_jobs(app)
    return api.ok("GET", f"/imports/{batch_id}")


def problems(api, batch_id) -> list[dict]:
    out, page = [], 1
    while True:
        chunk = api.ok("GET", f"/imports/{batch_id}/problems?page={page}&page_size=100")
        out += chunk
        if len(chunk) < 100:
            return out
        page += 1


def start(app, api, batch_id) -> dict:
    api.ok("POST", f"/imports/{batch_id}/start", status=(202,))
    drain_jobs(app)
    return api.ok("GET", f"/imports/{batch_id}")


HEADER = ["姓名", "手机", "生日", "性别", "邮箱", "卡号", "等级", "身份证号", "地址", "备注"]
