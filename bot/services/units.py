"""Units: the committees and cells, their organisation codes, and what an actor can see of them."""

from __future__ import annotations

import logging
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.views import UnitView
from bot.services.org_common import (
    OrgBase,
    OrgError,
    UnitKind,
    _clean_code,
    _unit_view,
)
from bot.services.policy import (
    Actor,
    ensure_can,
    sees_subtree,
)
from bot.storage.models import Unit

log = logging.getLogger(__name__)


class Units(OrgBase):
    # -- units -----------------------------------------------------------------------------------------

    def add_unit(
        self, actor: Actor, name: str, kind: UnitKind, parent_id: int | None = None, *, code: str | None = None
    ) -> UnitView:
        """``code``: the organisation code content files name in ``scope`` (optional, unique)."""
        name = " ".join(unicodedata.normalize("NFC", name).split())
        if not name:
            raise OrgError("empty_name")
        if kind not in ("committee", "cell"):
            raise OrgError("bad_kind", kind=kind)
        code = _clean_code(code) if code is not None else None
        with self._db.session() as s:
            if parent_id is None:
                ensure_can(actor, "add_root_unit")
                parent_path = "/"
            else:
                parent = self._unit(s, parent_id)
                ensure_can(actor, "add_unit", parent)
                if parent.kind != "committee":
                    raise OrgError("parent_is_cell", parent=parent.name)
                parent_path = parent.path
            if code is not None:
                self._code_free(s, code, None)
            unit = Unit(name=name, kind=kind, parent_id=parent_id, path="", created_at=self._clock.now(), code=code)
            s.add(unit)
            s.flush()
            unit.path = f"{parent_path}{unit.id}/"
            return _unit_view(unit)

    def set_code(self, actor: Actor, unit_id: int, code: str | None) -> UnitView:
        """Give a unit its organisation code (None or "" takes it away): content scoped to that code is then
        for the unit and every unit under it."""
        code = _clean_code(code) if code else None
        with self._db.session() as s:
            unit = self._managed_unit(s, actor, unit_id, "set_unit_code")
            if code is not None:
                self._code_free(s, code, unit.id)
            unit.code = code
            log.info("unit %s code set to %s", unit.id, code)
            return _unit_view(unit)

    def _code_free(self, s: Session, code: str, unit_id: int | None) -> None:
        holder = s.scalars(select(Unit).where(Unit.code == code)).first()
        if holder is not None and holder.id != unit_id:
            raise OrgError("code_taken", code=code, unit=holder.name)

    def unit_codes(self, actor: Actor) -> set[str]:
        """Every organisation code a unit carries (for checking content's scopes)."""
        ensure_can(actor, "list_unit_codes")
        with self._db.connection() as c:
            return {code for code in c.scalars(select(Unit.code).where(Unit.code.is_not(None))) if code}

    def reach(self, actor: Actor | None) -> tuple[str, ...]:
        """The organisation codes whose content is the asker's own: their unit's and those above it, nearest
        first. Nothing for someone who has not joined."""
        if actor is None or actor.unit_id is None:
            return ()
        ensure_can(actor, "content_scope")
        chain = [int(x) for x in actor.unit_path.strip("/").split("/") if x]
        with self._db.connection() as c:
            rows = c.execute(select(Unit.id, Unit.code).where(Unit.id.in_(chain), Unit.code.is_not(None))).all()
        codes: dict[int, str] = {unit_id: code for unit_id, code in rows if code}
        return tuple(codes[u] for u in reversed(chain) if u in codes)

    def own_scope(self, actor: Actor) -> tuple[str, str] | None:
        """(code, name) of the nearest unit of the actor's chain that carries a code: what content the actor
        imports for their own organisation is scoped to."""
        if actor.unit_id is None:
            return None
        ensure_can(actor, "content_scope")
        chain = [int(x) for x in actor.unit_path.strip("/").split("/") if x]
        with self._db.connection() as c:
            rows = c.execute(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(chain), Unit.code.is_not(None)))
            named = {unit_id: (code, name) for unit_id, code, name in rows if code}
        return next((named[u] for u in reversed(chain) if u in named), None)

    def units(self, actor: Actor) -> list[UnitView]:
        """The units the actor can see: all for the system, the subtree for an admin, the own cell otherwise."""
        with self._db.session() as s:
            query = select(Unit).order_by(Unit.path)
            if not actor.is_system:
                if sees_subtree(actor):
                    query = query.where(Unit.path.startswith(actor.unit_path, autoescape=True))
                else:
                    query = query.where(Unit.id == actor.unit_id)
            return [_unit_view(u) for u in s.scalars(query)]

    def unit(self, actor: Actor, unit_id: int) -> UnitView:
        with self._db.session() as s:
            unit = self._unit(s, unit_id)
            ensure_can(actor, "view_unit", unit)
            return _unit_view(unit)
