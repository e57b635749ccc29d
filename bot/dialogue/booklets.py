"""An admin sends the Q&A or terminology booklet in chat: the bot says what it recognised and, once
confirmed, writes it into the content folder and reloads the index — live without a restart.

The content is shared by the whole installation (one committee and the cells below it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.dialogue import buttons as bt
from bot.dialogue.contract import Button, Outcome, Reply
from bot.dialogue.core import Context, Feature
from bot.documents import DocumentError, read_structure
from bot.knowledge.base import ContentError
from bot.knowledge.importer import ImportResult, check_output, import_booklet, slug
from bot.messages import vi, vi_import
from bot.services.content import ContentService
from bot.services.org import OrgService
from bot.services.policy import can
from bot.text.labels import shorten

BOOKLET_FILES = (".docx", ".pdf", ".md", ".txt")
MIN_ENTRIES = 3  # fewer than this is not a booklet (perhaps a plan)
MAX_STATE_CHARS = 400_000


def preview(result: ImportResult, filename: str, own: tuple[str, str] | None = None) -> str:
    title = "question" if result.kind == "qa" else "term"
    return vi_import.booklet_preview(
        filename,
        result.kind,
        [shorten(e[title], 100) for e in result.entries[:3]],
        len(result.entries),
        vi_import.summary(result, limit=5)[1:],  # by part, numbering, what was left out: the same as the command line
        result.source,
        own,
    )


SHOWN_ERRORS = 10


def reload_refused(exc: ContentError) -> str:
    """What the admin reads when their booklet would break the content: why, in the checker's own lines."""
    errors = exc.content.errors
    lines = [vi_import.RELOAD_REFUSED.format(count=len(errors)), *(f"• {p}" for p in errors[:SHOWN_ERRORS])]
    if len(errors) > SHOWN_ERRORS:
        lines.append(vi_import.RELOAD_MORE.format(count=len(errors) - SHOWN_ERRORS))
    return "\n".join(lines)


class BookletsFeature:
    def __init__(self, content: ContentService, org: OrgService | None = None) -> None:
        self.content = content
        self.org = org

    def feature(self) -> Feature:
        return Feature(buttons={bt.BOOKLET.prefix: self.button}, attachment=self.booklet_file)

    def booklet_file(self, ctx: Context, _: str) -> Outcome | None:
        attachment = ctx.msg.attachment
        assert attachment is not None
        if not attachment.filename.lower().endswith(BOOKLET_FILES) or ctx.actor is None:
            return None
        if not can(ctx.actor, "import_booklet"):
            return None
        try:
            reading = read_structure(attachment.filename, attachment.content)
        except DocumentError as exc:
            return Outcome([Reply(vi_import.document_error(exc))])
        lines = reading.lines
        source = next((ln.text for ln in lines if len(ln.text) > 10), Path(attachment.filename).stem)
        prefix = slug(Path(attachment.filename).stem, 4)
        results = [
            import_booklet(lines, kind, source, prefix=prefix, notes=reading.notes) for kind in ("qa", "glossary")
        ]
        # A Q&A booklet also has "x: y" lines a glossary reading would take; Q&A wins when it found enough.
        best = results[0] if len(results[0].entries) >= MIN_ENTRIES else results[1]
        if len(best.entries) < MIN_ENTRIES:
            return None  # not a booklet: a plan, perhaps
        if check_output(best):
            return Outcome([Reply(vi_import.BOOKLET_INVALID)])
        text = best.yaml()
        # The admin's own organisation, when it carries a code: the booklet may be for it alone (its plan).
        own = self.org.own_scope(ctx.actor) if self.org is not None else None
        scoped = best.yaml(own) if own is not None else None
        if len(text) + len(scoped or "") > MAX_STATE_CHARS:
            return Outcome([Reply(vi_import.BOOKLET_TOO_LARGE)])
        ctx.state["booklet"] = {"kind": best.kind, "name": prefix, "yaml": text, "scoped": scoped}
        buttons: tuple[Button, ...]
        if own is None:
            buttons = (
                Button(vi_import.BOOKLET_CONFIRM, bt.BOOKLET.pack("ok")),
                Button(vi_import.BOOKLET_CANCEL, bt.BOOKLET.pack("no")),
            )
        else:
            buttons = (
                Button(vi_import.BOOKLET_CONFIRM_ALL, bt.BOOKLET.pack("ok")),
                Button(vi_import.BOOKLET_CONFIRM_OWN.format(unit=own[1]), bt.BOOKLET.pack("own")),
                Button(vi_import.BOOKLET_CANCEL, bt.BOOKLET.pack("no")),
            )
        return Outcome([Reply(preview(best, attachment.filename, own), buttons)])

    def button(self, ctx: Context, data: str) -> Outcome:
        pending: dict[str, Any] | None = ctx.state.pop("booklet", None)
        choice = bt.BOOKLET.unpack(data)
        if choice not in (("ok",), ("own",)):
            return Outcome([Reply(vi_import.BOOKLET_CANCELLED)])
        if not pending:
            return Outcome([Reply(vi.ALREADY_DONE)])
        if ctx.actor is None or not can(ctx.actor, "import_booklet"):
            return Outcome([Reply(vi_import.BOOKLET_CANCELLED)])
        text = pending.get("scoped") if choice == ("own",) else pending["yaml"]
        if not text:
            return Outcome([Reply(vi.ALREADY_DONE)])
        try:
            name, total = self.content.add_booklet(ctx.actor, pending["kind"], pending["name"], text)
        except ContentError as exc:
            return Outcome([Reply(reload_refused(exc))])
        return Outcome([Reply(vi_import.BOOKLET_ADDED.format(name=name, total=total))])
