"""Settings, read from ``CHIBO_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_CONTENT = Path(__file__).resolve().parent.parent / "content"


class SettingsError(Exception):
    """A setting has a value the bot cannot start with; the message names it and says why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHIBO_", env_file=".env", extra="ignore")

    database_url: str = Field(default="sqlite:///chibo.db", description="SQLAlchemy URL of the database")
    content_dir: Path = Field(default=BUNDLED_CONTENT, description="folder with qa/ and glossary/")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="time zone for dates shown and read")
    telegram_token: SecretStr | None = None
    # More bots, one per district or province committee: a JSON object of unit codes and tokens,
    # {"HN": "123:abc", "HP": "456:def"}. Each has its own sender and rate budget; a member who joined through
    # one is written to through it. CHIBO_TELEGRAM_TOKEN stays the default bot.
    telegram_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    # Tokens (their unit codes, or "default") that send with Telegram's paid broadcasts, up to 1,000 a second,
    # paid by the bot's owner: a JSON list, ["HN"].
    telegram_paid_broadcast: list[str] = Field(default_factory=list)
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None  # for invite links printed by the command line
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: SecretStr | None = None
    zalo_token: SecretStr | None = None
    zalo_base_url: str = "https://bot-api.zaloplatforms.com/bot"
    zalo_webhook_url: str | None = None
    zalo_webhook_listen: str = "0.0.0.0"
    zalo_webhook_port: int = 8444
    zalo_webhook_secret: SecretStr | None = None
    # Zalo Official Account (bot/channels/zalo_oa): the app linked to the OA, the OA's secret key (webhook
    # signatures), the OA's id (events for other OAs are ignored) and the public HTTPS address of the webhook.
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None  # the app's secret key: OAuth v4 token requests
    zalo_oa_secret_key: SecretStr | None = None  # the OA secret key: X-ZEvent-Signature of webhook events
    zalo_oa_id: str | None = None
    zalo_oa_api_url: str = "https://openapi.zalo.me"
    zalo_oa_oauth_url: str = "https://oauth.zaloapp.com/v4/oa"
    zalo_oa_zns_url: str = "https://business.openapi.zalo.me"
    zalo_oa_redirect_uri: str | None = None  # the app's registered callback address, for `chibo zalo-oa authorize`
    zalo_oa_webhook_listen: str = "127.0.0.1"  # behind the HTTPS reverse proxy
    zalo_oa_webhook_port: int = 8445
    zalo_oa_webhook_path: str = "/zalo-oa/webhook"
    # Consultation messages may be sent within 7 days of the member's last interaction ("Điều kiện gửi tin Tư
    # vấn", developers.zalo.me; the first 48 hours are the free part of it): bot/channels/zalo_oa/client.py.
    zalo_oa_window_hours: int = 168
    zalo_oa_refresh_ahead_minutes: int = 60  # the access token is refreshed this long before it expires
    zalo_oa_zns_template_id: str | None = None  # an approved ZNS template: reminders outside the window
    zalo_oa_zns_param: str = "noi_dung"  # the template's parameter that carries the reminder text
    log_level: str = "INFO"
    # Messages sent at once by the outbox: a crash can send these again (README, "Gửi tin"); 4 keep 30/s.
    delivery_concurrency: int = Field(default=4, ge=1, le=32)
    # One delivery tick sends for at most this long, then fans out due reminders again (nothing waits behind a
    # province-wide batch for more than this).
    delivery_tick_seconds: float = Field(default=5.0, gt=0, le=60)
    # Messages a second one bot token sends (Telegram: about 30): how early a big reminder starts, and how long
    # the secretary is told delivery takes.
    delivery_rate: float = Field(default=29.0, gt=0, le=1000)
    # A big reminder starts early enough to be done by its moment, but never more than this ahead of it.
    delivery_earliest_lead_minutes: int = Field(default=120, ge=0, le=24 * 60)
    delivery_early_start: bool = True
    # Delivered (or otherwise finished) outbox rows are deleted after this many days, their counts kept for the
    # delivery reports; 0 keeps them for ever. Not shorter than the longest reminder lead (30 days).
    outbox_retention_days: int = Field(default=30, ge=0)

    @field_validator("database_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url  # here, so that commands without a database stay light
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("không phải địa chỉ cơ sở dữ liệu hợp lệ (ví dụ sqlite:///chibo.db)") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("chỉ hỗ trợ sqlite và postgresql")
        return value

    @field_validator("content_dir")
    @classmethod
    def _existing_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"thư mục '{value}' không tồn tại")
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("không phải múi giờ hợp lệ (ví dụ Asia/Ho_Chi_Minh)") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _valid_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("chỉ nhận DEBUG, INFO, WARNING hoặc ERROR")
        return value.upper()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zalo_oa_enabled(self) -> bool:
        """The OA channel runs when its app, secrets and OA id are all set."""
        return bool(self.zalo_oa_app_id and self.zalo_oa_app_secret and self.zalo_oa_secret_key and self.zalo_oa_id)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; a wrong value raises ``SettingsError`` with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "CHIBO_" + str(error["loc"][0]).upper() if error["loc"] else "CHIBO_*"
        reason = str(error.get("ctx", {}).get("error") or error["msg"])
        raise SettingsError(f"Cấu hình sai: {name} — {reason}.") from None
