from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import BUNDLED_CONTENT, SettingsError, load_settings

from .conftest import ROOT


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHIBO_DATABASE_URL", "CHIBO_CONTENT_DIR", "CHIBO_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url == "sqlite:///chibo.db"
    assert settings.content_dir == BUNDLED_CONTENT
    assert settings.timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("CHIBO_TIMEZONE", "Mars/Olympus", "múi giờ"),
        ("CHIBO_DATABASE_URL", "not a url", "địa chỉ cơ sở dữ liệu"),
        ("CHIBO_DATABASE_URL", "mysql://x/y", "sqlite và postgresql"),
        ("CHIBO_CONTENT_DIR", "/no/such/folder", "không tồn tại"),
    ],
)
def test_a_wrong_value_names_the_setting_and_the_reason(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert name in message and words in message and "\n" not in message


def test_settings_are_read_from_a_dot_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHIBO_TIMEZONE", raising=False)
    (tmp_path / ".env").write_text("CHIBO_TIMEZONE=Asia/Bangkok\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().timezone == "Asia/Bangkok"


def test_startup_stops_with_one_clear_line_on_a_wrong_setting(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "CHIBO_TIMEZONE": "Nowhere/City", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "CHIBO_TIMEZONE" in lines[0]
    assert ROOT.exists()
