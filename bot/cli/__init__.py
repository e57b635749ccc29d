"""The ``chibo`` command.

Heavy modules (the chat libraries, SQLAlchemy) are imported inside the commands that need them, so
``chibo ask`` starts quickly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional, TypeVar

import typer

from bot.cli.common import settings_or_exit as _settings

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.config import Settings
    from bot.knowledge.content import Content, Problem
    from bot.knowledge.search import SearchResult

app = typer.Typer(help="chibo — trợ lý học tập nghị quyết cho chi bộ.", no_args_is_help=True, add_completion=False)
content_app = typer.Typer(help="Nội dung hỏi - đáp và thuật ngữ.", no_args_is_help=True)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
plan_app = typer.Typer(help="Kế hoạch: đọc ra các việc có hạn và hội nghị.", no_args_is_help=True)
app.add_typer(content_app, name="content")
app.add_typer(db_app, name="db")
app.add_typer(plan_app, name="plan")


T = TypeVar("T")


def _read_or_exit(file: Path, reader: Callable[[str, bytes], T]) -> T:
    """A document read by ``reader``, or one clear line and exit code 1 (missing, damaged, unknown type)."""
    from bot.documents import DocumentError
    from bot.messages import vi
    from bot.messages.vi_import import document_error
    from bot.text.files import UnreadableFile

    if not file.is_file():
        typer.echo(f"Không tìm thấy tệp {file}.", err=True)
        raise typer.Exit(1)
    try:
        return reader(file.name, file.read_bytes())
    except DocumentError as exc:
        typer.echo(document_error(exc), err=True)
        raise typer.Exit(1) from None
    except UnreadableFile as exc:
        typer.echo(vi.UNREADABLE_FILE[exc.reason].format(name=file.name), err=True)
        raise typer.Exit(1) from None


@plan_app.command("extract")
def plan_extract(
    file: Annotated[Path, typer.Argument(help="Kế hoạch: .docx, .pdf, .txt hoặc .md.")],
    as_json: Annotated[bool, typer.Option("--json", help="In danh sách JSON (date, time, kind, title, text).")] = False,
) -> None:
    """Đọc một kế hoạch và in các hội nghị, hạn nộp có ngày tháng."""
    from bot.documents import read_document
    from bot.plans.extract import extract_actions

    actions = extract_actions(_read_or_exit(file, read_document))
    if as_json:
        typer.echo(json.dumps([a.as_json() for a in actions], ensure_ascii=False, indent=2))
        return
    if not actions:
        typer.echo("Không thấy việc nào có ngày tháng cụ thể.")
    for a in actions:
        when = a.date.strftime("%d/%m/%Y") + (a.time.strftime(" %H:%M") if a.time else "")
        typer.echo(f"{when:17} {'hội nghị' if a.kind == 'conference' else 'hạn':9} {a.title}")


def _add_org_commands() -> None:
    from bot.cli.org import invite_app, member_app, unit_app
    from bot.cli.zalo_oa import zalo_oa_app

    app.add_typer(unit_app, name="unit")
    app.add_typer(invite_app, name="invite")
    app.add_typer(member_app, name="member")
    app.add_typer(zalo_oa_app, name="zalo-oa")


_add_org_commands()

ContentOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--content", help="Thư mục nội dung (chứa qa/ và glossary/).", file_okay=False),
]


def _content_dir(option: Path | None) -> Path:
    if option is not None:
        if not option.is_dir():
            typer.echo(f"Không tìm thấy thư mục nội dung '{option}'.", err=True)
            raise typer.Exit(2)
        return option
    return _settings().content_dir


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="Câu hỏi; bỏ trống để đọc từng dòng từ stdin.")] = None,  # noqa: UP045
    content: ContentOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Mỗi câu hỏi một dòng JSON.")] = False,
) -> None:
    """Trả lời câu hỏi từ tài liệu (không ghi nhật ký câu hỏi)."""
    from bot.knowledge.base import load_knowledge

    knowledge = load_knowledge(_content_dir(content))
    _settle_heap()
    errors = knowledge.content.errors
    if errors:
        typer.echo(f"Nội dung có {len(errors)} lỗi; chạy 'chibo content check' để xem.", err=True)
    questions = [question] if question is not None else (line.rstrip("\r\n") for line in sys.stdin)
    out = sys.stdout
    for i, text in enumerate(questions):
        result = knowledge.index.search(text)
        if as_json:
            # Written directly: JSON holds no terminal escapes for typer.echo to strip, and per question
            # its checks cost as much as a quick answer.
            out.write(json.dumps(_as_json(result), ensure_ascii=False) + "\n")
        else:
            if i:
                typer.echo("")
            typer.echo(_as_text(result))
        out.flush()


def _settle_heap() -> None:
    """Move what start-up built (the search index: millions of small, long-lived objects) out of the cycle
    collector's reach. Otherwise every full collection while answering walks all of it again: that doubled
    the cost of a question on a 10,000-entry index. The index holds no reference cycles, so a reloaded
    one is still freed."""
    import gc

    gc.freeze()


def _as_json(result: SearchResult) -> dict[str, object]:
    return {
        "query": result.query,
        "answered": result.answered,
        "results": [{"id": h.entry.id, "kind": h.entry.kind, "score": h.score} for h in result.hits],
    }


def _as_text(result: SearchResult) -> str:
    from bot.messages import vi

    if result.answered and result.best is not None:
        return vi.answer(result.best.entry)
    if result.reason == "chatter":
        return vi.chatter(result.normalized)
    if result.reason == "empty":
        return vi.EMPTY
    return vi.refusal([h.entry for h in result.suggestions], ambiguous=result.reason == "ambiguous")


@content_app.command("check")
def content_check(
    directory: Annotated[Optional[Path], typer.Argument(help="Thư mục nội dung.")] = None,  # noqa: UP045
    db: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--db", help="Cơ sở dữ liệu để đối chiếu mã tổ chức ('scope'); mặc định CHIBO_DATABASE_URL nếu đã đặt."
        ),
    ] = None,
) -> None:
    """Kiểm tra toàn bộ nội dung; in mọi lỗi kèm tệp, mã mục và dòng."""
    from bot.knowledge.content import load_content
    from bot.knowledge.quizzes import load_quizzes
    from bot.messages import vi

    folder = _content_dir(directory)
    content = load_content(folder)
    quizzes, quiz_problems = load_quizzes(folder)
    content.problems.extend(quiz_problems)
    url = db
    if url is None:
        settings = _settings()
        url = settings.database_url if "database_url" in settings.model_fields_set else None
    if url is not None:
        content.problems.extend(_scope_problems(content, url))
    if _print_problems(content):
        raise typer.Exit(1)
    qa = sum(e.kind == "qa" for e in content.entries)
    typer.echo(vi.CONTENT_OK.format(qa=qa, terms=len(content.entries) - qa))
    if quizzes:
        typer.echo(f"Bài kiểm tra: {len(quizzes)} bài, {sum(len(q.questions) for q in quizzes)} câu.")


def _print_problems(content: Content) -> int:
    """Every problem (file:line [entry]: …), the count of warnings, the count of errors; returns the errors.

    ``chibo content check`` and a start-up refused on content errors print exactly these lines."""
    from bot.messages import vi

    for problem in content.problems:
        typer.echo(str(problem))
    errors = content.errors
    warnings = len(content.problems) - len(errors)
    if warnings:
        typer.echo(vi.CONTENT_WARNINGS.format(count=warnings))
    if errors:
        typer.echo(f"Nội dung có {len(errors)} lỗi.", err=True)
    return len(errors)


def _build_app(settings: Settings) -> App:
    """The application, or — when the content has errors — every problem listed and exit code 1: the bot
    never starts without part of its content."""
    from bot.bootstrap import build_app
    from bot.knowledge.base import ContentError

    try:
        return build_app(settings)
    except ContentError as exc:
        _print_problems(exc.content)
        typer.echo(
            f"Bot chưa khởi động: nội dung trong {settings.content_dir} có lỗi (danh sách ở trên). "
            "Sửa xong, chạy 'chibo content check' để kiểm tra rồi khởi động lại.",
            err=True,
        )
        raise typer.Exit(1) from None


def _scope_problems(content: Content, url: str) -> list[Problem]:
    """A warning per scope no unit of the database carries: that content answers nobody as their own."""
    from sqlalchemy.engine import make_url

    from bot.clock import SystemClock
    from bot.knowledge.content import Problem
    from bot.services.org import OrgService
    from bot.services.policy import Actor
    from bot.storage.db import Database, make_engine

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        # Checking content never creates a database file.
        typer.echo("Chưa có cơ sở dữ liệu để đối chiếu mã tổ chức; bỏ qua bước này.", err=True)
        return []
    try:
        engine = make_engine(url)
        codes = OrgService(Database(engine), SystemClock()).unit_codes(Actor.system())
    except Exception as exc:  # a database not reachable or not set up: say so, and check the rest
        typer.echo(f"Không đối chiếu được mã tổ chức với cơ sở dữ liệu ({exc.__class__.__name__}).", err=True)
        return []
    first: dict[str, tuple[str, str]] = {}
    for entry in content.entries:
        if entry.scope is not None and entry.scope not in codes:
            first.setdefault(entry.scope, (entry.file, entry.organisation or ""))
    return [
        Problem(file, 0, f"chưa đơn vị nào mang mã tổ chức '{scope}' ({name}): nội dung này được trả lời như của "
                f"tổ chức khác, với mọi người; đặt mã bằng: chibo unit code <mã số đơn vị> {scope}", None, "warning")
        for scope, (file, name) in sorted(first.items())
    ]  # fmt: skip


@content_app.command("import")
def content_import(
    file: Annotated[Path, typer.Argument(help="Tài liệu hỏi - đáp hoặc thuật ngữ: .docx, .pdf, .txt, .md.")],
    kind: Annotated[str, typer.Option("--kind", help="qa (hỏi - đáp) hoặc glossary (thuật ngữ).")],
    source: Annotated[Optional[str], typer.Option("--source", help="Tên tài liệu ghi ở dòng Nguồn.")] = None,  # noqa: UP045
    out: Annotated[Optional[Path], typer.Option("--out", help="Tệp YAML ghi ra; bỏ trống: in ra màn hình.")] = None,  # noqa: UP045
    prefix: Annotated[str, typer.Option("--prefix", help="Tiền tố cho mã mục, ví dụ hd14.")] = "",
    scope: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--scope", help="Mã tổ chức khi tài liệu là của một tổ chức (kế hoạch của một đảng bộ)."),
    ] = None,
    organisation: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--organisation", help='Tên tổ chức đó, ví dụ "Đảng ủy phường Việt Hưng" (cần khi có --scope).'),
    ] = None,
) -> None:
    """Chuyển tài liệu hỏi - đáp / thuật ngữ thành nội dung; báo những dòng chưa đọc được."""
    from bot.documents import read_structure
    from bot.knowledge.content import valid_scope
    from bot.knowledge.importer import check_output, import_booklet
    from bot.messages.vi_import import summary

    if kind not in ("qa", "glossary"):
        typer.echo("--kind phải là qa hoặc glossary.", err=True)
        raise typer.Exit(1)
    if scope is not None and not valid_scope(scope):
        typer.echo("--scope: mã tổ chức chỉ gồm chữ thường không dấu, số và '-' (2-40 ký tự).", err=True)
        raise typer.Exit(1)
    if (scope is None) != (organisation is None or not organisation.strip()):
        typer.echo("--scope và --organisation đi cùng nhau: mã tổ chức và tên tổ chức.", err=True)
        raise typer.Exit(1)
    scoped = (scope, " ".join(organisation.split())) if scope is not None and organisation else None
    reading = _read_or_exit(file, read_structure)
    lines = reading.lines
    title = next((ln.text for ln in lines if len(ln.text) > 10), file.stem)
    if len(lines) > 500 and sys.stderr.isatty():
        with typer.progressbar(length=len(lines), label="Đang đọc", file=sys.stderr) as bar:
            result = import_booklet(
                lines,
                kind,  # type: ignore[arg-type]
                source or title,
                prefix=prefix,
                progress=lambda i: bar.update(1),
                notes=reading.notes,
            )
    else:
        result = import_booklet(lines, kind, source or title, prefix=prefix, notes=reading.notes)  # type: ignore[arg-type]
    for line in summary(result):
        typer.echo(line, err=True)
    problems = check_output(result)
    for problem in problems:
        typer.echo(problem, err=True)
    if not result.entries:
        typer.echo("Không nhận ra mục nào; kiểm tra lại loại tài liệu (--kind).", err=True)
        raise typer.Exit(1)
    if out is None:
        typer.echo(result.yaml(scoped))
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.yaml(scoped), encoding="utf-8")
        typer.echo(f"Đã ghi {out}.", err=True)


@app.command("report")
def report_command(
    unit: Annotated[Optional[int], typer.Option("--unit", help="Mã đơn vị (chi bộ hoặc đảng bộ).")] = None,  # noqa: UP045
    fmt: Annotated[str, typer.Option("--format", help="text, xlsx, png hoặc docx (báo cáo gửi cấp trên).")] = "text",
    out: Annotated[Optional[Path], typer.Option("--out", help="Tệp ghi ra (xlsx, png).")] = None,  # noqa: UP045
    unanswered: Annotated[bool, typer.Option("--unanswered", help="Câu hỏi bot chưa trả lời được.")] = False,
    stage: Annotated[str, typer.Option("--stage", help="docx: truoc hoặc sau hội nghị.")] = "",
    event: Annotated[Optional[int], typer.Option("--event", help="docx: số hội nghị (mặc định gần nhất).")] = None,  # noqa: UP045
) -> None:
    """Báo cáo kiểm tra, tham dự, nộp bài theo chi bộ (hoặc các câu hỏi chưa trả lời được)."""
    from bot.render.report_summary import as_png, as_text, as_xlsx
    from bot.services.org import OrgError
    from bot.services.policy import Actor

    application = _build_app(_settings())
    system = Actor.system()
    if unanswered:
        rows = application.reports.unanswered(system, limit=100)
        for text, n in rows:
            typer.echo(f"{n}\t{text}")
        if not rows:
            typer.echo("Chưa có câu hỏi nào mà bot không trả lời được.")
        return
    if fmt not in ("text", "xlsx", "png", "docx") or stage not in ("", "truoc", "sau"):
        typer.echo("--format phải là text, xlsx, png hoặc docx; --stage là truoc hoặc sau.", err=True)
        raise typer.Exit(1)
    if unit is None:
        roots = [u for u in application.org.units(system) if u.parent_id is None]
        if len(roots) != 1:
            typer.echo("Cần --unit (mã đơn vị, xem chibo unit list).", err=True)
            raise typer.Exit(1)
        unit = roots[0].id
    try:
        report = application.figures.figures(system, unit)
        if fmt == "docx":
            when = {"truoc": "before", "sau": "after"}.get(stage)
            draft = application.drafts.draft(system, unit, stage=when, event_id=event)  # type: ignore[arg-type]
    except OrgError:
        typer.echo(f"Không có đơn vị {unit} (xem chibo unit list).", err=True)
        raise typer.Exit(1) from None
    zone = application.settings.zone
    if fmt == "text":
        text = as_text(report, zone)
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text + "\n", encoding="utf-8")
        return
    if fmt == "docx":
        target = out or Path(draft.filename)
        target.write_bytes(draft.content)
        typer.echo(f"Đã ghi {target}.", err=True)
        return
    data = as_xlsx(report, zone) if fmt == "xlsx" else as_png(report)
    target = out or Path(f"bao-cao-{unit}.{fmt}")
    target.write_bytes(data)
    typer.echo(f"Đã ghi {target}.", err=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Áp dụng các bản cập nhật cấu trúc cơ sở dữ liệu (Alembic)."""
    from bot.storage.db import make_engine, upgrade

    settings = _settings()
    upgrade(make_engine(settings.database_url))
    typer.echo("Cơ sở dữ liệu đã được cập nhật.")


@app.command()
def chat() -> None:
    """Trò chuyện với bot ngay trên máy (mỗi dòng một tin nhắn)."""
    from bot.channels.console import run_console

    run_console(_build_app(_settings()).core())


@app.command()
def run() -> None:
    """Khởi động bot: Telegram nếu đã cấu hình CHIBO_TELEGRAM_TOKEN, nếu không thì trò chuyện trên máy."""
    from bot.bootstrap import channels
    from bot.channels import StartupError
    from bot.channels.base import run_channels

    settings = _settings()
    _setup_logging(settings.log_level)
    application = _build_app(settings)
    _settle_heap()
    configured = channels(application)
    names = {c.name for c in configured}
    if names == {"console"}:
        typer.echo(
            "Chưa cấu hình CHIBO_TELEGRAM_TOKEN: khởi động trò chuyện trên máy "
            f"(cơ sở dữ liệu {settings.database_url}, nội dung {settings.content_dir}).",
            err=True,
        )
    else:
        shown = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "trang Zalo của đơn vị"}
        listed = ", ".join(
            shown[c.name.partition("@")[0]] + (f" ({c.name.partition('@')[2]})" if "@" in c.name else "")
            for c in configured
        )
        typer.echo(f"Đang khởi động bot trên {listed} (Ctrl+C để dừng)…", err=True)
    import threading

    from bot.render import preload

    threading.Thread(target=preload, name="preload", daemon=True).start()
    try:
        run_channels(application, configured)
    except StartupError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _setup_logging(level: str) -> None:
    import logging

    from bot import logs

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick otherwise
    logs.install()  # no member's words in the logs, whatever the level (bot/logs.py)


def main() -> None:
    app()
