"""Bootstrapping a committee without chat: ``chibo unit``, ``chibo invite``, ``chibo member``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chibo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CHIBO_DATABASE_URL": f"sqlite:///{tmp_path / 'org.db'}",
        "CHIBO_TELEGRAM_BOT_USERNAME": "chibo_vh_bot",
        "CHIBO_TIMEZONE": "Asia/Ho_Chi_Minh",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )


def test_a_committee_set_up_from_the_command_line(tmp_path: Path) -> None:
    committee = chibo(tmp_path, "unit", "add", "Đảng bộ phường Việt Hưng", "--kind", "dangbo")
    assert committee.returncode == 0 and "Đã thêm đơn vị 1" in committee.stdout
    cell = chibo(tmp_path, "unit", "add", "Chi bộ tổ dân phố 3", "--parent", "1")
    assert "Đã thêm đơn vị 2" in cell.stdout
    listing = chibo(tmp_path, "unit", "list").stdout
    assert "Đảng bộ phường Việt Hưng" in listing and "Chi bộ tổ dân phố 3" in listing

    invite = chibo(tmp_path, "invite", "create", "--unit", "2", "--role", "bithu", "--days", "3")
    code, link = invite.stdout.split()
    assert re.fullmatch(r"[A-Z0-9]{12}", code) and link == f"https://t.me/chibo_vh_bot?start={code}"
    assert re.search(r"Hết hạn: \d\d:\d\d ngày \d\d/\d\d/\d{4}", invite.stderr)

    roster = tmp_path / "ds.csv"
    roster.write_text("Họ và tên,Chức vụ\nĐinh Thị Mai,Đảng viên\n,\nPhạm Văn Hùng,\n", encoding="utf-8")
    imported = chibo(tmp_path, "member", "import", str(roster), "--unit", "2")
    assert imported.returncode == 0 and imported.stdout.count("https://t.me/chibo_vh_bot?start=") == 2
    assert "Đinh Thị Mai" in chibo(tmp_path, "member", "list", "--unit", "2").stdout

    exported = json.loads(chibo(tmp_path, "member", "export", "1").stdout)
    assert "Đinh Thị Mai" in json.dumps(exported, ensure_ascii=False)


def test_bad_input_gets_one_clear_line_and_changes_nothing(tmp_path: Path) -> None:
    wrong_kind = chibo(tmp_path, "unit", "add", "Chi bộ 1", "--kind", "tobo")
    assert wrong_kind.returncode == 1 and "--kind phải là dangbo hoặc chibo." in wrong_kind.stderr
    no_unit = chibo(tmp_path, "invite", "create", "--unit", "9")
    assert no_unit.returncode == 1 and "Traceback" not in no_unit.stderr and no_unit.stderr.strip()
    assert "Chưa có đơn vị nào" in chibo(tmp_path, "unit", "list").stdout
