"""``chibo zalo-oa authorize``: the first authorisation of the Official Account (OAuth v4 with PKCE), done on
the server by an admin of the OA, and again whenever the refresh token has been lost."""

from __future__ import annotations

from typing import Annotated, Optional
from urllib.parse import parse_qs, urlparse

import typer

from bot.cli.common import settings_or_exit

zalo_oa_app = typer.Typer(help="Trang Zalo (Official Account) của đơn vị.", no_args_is_help=True)


def _code_from(answer: str) -> tuple[str, str | None, str | None]:
    """The code (and state, oa_id) from the address the browser landed on, or the code pasted alone."""
    answer = answer.strip()
    if "code=" not in answer:
        return answer, None, None
    query = parse_qs(urlparse(answer).query or answer.split("?", 1)[-1])

    def pick(key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    return pick("code") or "", pick("state"), pick("oa_id")


@zalo_oa_app.command("authorize")
def authorize(
    answer: Annotated[
        Optional[str],  # noqa: UP045 - typer reads the annotation at run time
        typer.Option("--answer", help="Địa chỉ trình duyệt chuyển tới sau khi cấp quyền (hoặc mã code)."),
    ] = None,
) -> None:
    """Cấp quyền cho bot gửi tin qua trang Zalo của đơn vị (làm một lần, và khi bot báo hết quyền)."""
    import secrets
    from datetime import timedelta

    from bot.bootstrap import open_database
    from bot.channels.zalo_oa.client import OAError, OAuth, pkce_pair
    from bot.clock import SystemClock
    from bot.services.zalo_oa import ZaloOAState

    settings = settings_or_exit()
    missing = [
        name
        for name, value in (
            ("CHIBO_ZALO_OA_APP_ID", settings.zalo_oa_app_id),
            ("CHIBO_ZALO_OA_APP_SECRET", settings.zalo_oa_app_secret),
            ("CHIBO_ZALO_OA_ID", settings.zalo_oa_id),
            ("CHIBO_ZALO_OA_REDIRECT_URI", settings.zalo_oa_redirect_uri),
        )
        if not value
    ]
    if missing:
        typer.echo("Cần đặt trước: " + ", ".join(missing) + ".", err=True)
        raise typer.Exit(2)
    assert settings.zalo_oa_app_id and settings.zalo_oa_app_secret and settings.zalo_oa_id
    assert settings.zalo_oa_redirect_uri
    oauth = OAuth(settings.zalo_oa_oauth_url, settings.zalo_oa_app_id, settings.zalo_oa_app_secret.get_secret_value())
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(8)
    typer.echo("1. Mở địa chỉ sau trong trình duyệt, đăng nhập Zalo bằng tài khoản quản trị trang của đơn vị:")
    typer.echo("   " + oauth.permission_url(settings.zalo_oa_redirect_uri, challenge, state))
    typer.echo("2. Chọn trang Zalo của đơn vị và đồng ý cấp quyền.")
    typer.echo("3. Trình duyệt chuyển tới địa chỉ có “code=…”: sao chép cả địa chỉ đó và dán vào đây.")
    pasted = answer if answer is not None else typer.prompt("Địa chỉ (hoặc mã code)")
    code, got_state, oa_id = _code_from(pasted)
    if got_state is not None and got_state != state and answer is None:
        typer.echo("Địa chỉ này không thuộc lần cấp quyền vừa rồi; đồng chí làm lại từ bước 1.", err=True)
        raise typer.Exit(1)
    if oa_id is not None and oa_id != settings.zalo_oa_id:
        typer.echo(f"Quyền vừa cấp là của trang {oa_id}, không phải CHIBO_ZALO_OA_ID={settings.zalo_oa_id}.", err=True)
        raise typer.Exit(1)
    if not code:
        typer.echo("Không thấy mã code trong địa chỉ đã dán.", err=True)
        raise typer.Exit(1)
    try:
        grant = oauth.exchange(code, verifier)
    except OAError as exc:
        typer.echo(f"Không kết nối được Zalo: {exc}. Đồng chí thử lại sau ít phút.", err=True)
        raise typer.Exit(1) from None
    if grant is None:
        typer.echo("Zalo không nhận mã này (mã đã dùng hoặc quá hạn). Đồng chí làm lại từ bước 1.", err=True)
        raise typer.Exit(1)
    window = timedelta(hours=settings.zalo_oa_window_hours)
    state_store = ZaloOAState(open_database(settings), SystemClock(), settings.zalo_oa_id, window)
    state_store.save_grant(grant.access_token, grant.refresh_token, grant.expires_in)
    typer.echo("Đã cấp quyền cho trang Zalo. Khởi động (lại) bot bằng “chibo run”.")
