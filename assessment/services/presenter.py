"""The presenter view: which slide a workshop has on show, stepping through them, and what the
projector draws. Every function checks that the facilitator may see the workshop (the same check
and the same words as the results page), in one transaction of its own.

The slide on show lives in the database (``assessment.db.presenter``): the facilitator steps from
their own device or from the projector's keyboard, and the projector tab, polling, follows either;
a reload or a restart keeps the slide. Before the reveal the only slide is the join slide, so no
result can be on show early, whatever was stored.

Slide changes are not written to the audit log: a workshop steps through dozens of them, and they
change nothing anyone relies on later. The row itself says who showed the slide on show and when.

Speed: a slide change must take under 200 ms on the server. Scoring a workshop and building its
presentation model takes about that long, so the built slides are kept in this process, keyed
by the workshop and a stamp of everything its figures are made from (``figures_stamp``, read from
the database on every call): a kept deck is used only while the stamp is unchanged, on whichever
replica, so it can never show stale figures. They are built while the join slide is on show once
answering has closed (the figures can no longer change), so the reveal itself is quick too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment import slides
from assessment.db import (
    WorkshopInfo,
    bank_for_version,
    figures_stamp,
    joined_by_sector,
    shown_slide,
    store_shown_slide,
    transaction,
)
from assessment.errors import Invalid
from assessment.presenting import present
from assessment.results import score_stored_workshop
from assessment.services import Actor, workshop_for
from assessment.slides import Slide, SlideEntry

STEPS = (-1, 1)


@dataclass(frozen=True)
class Deck:
    """A workshop's slides as the facilitator steps through them: titles only, nothing scored."""

    workshop_id: int
    join_code: str
    workshop: str  # "Partnership · workshop title"
    revealed: bool
    entries: tuple[SlideEntry, ...]
    at: int  # the position of the slide on show

    @property
    def on_show(self) -> SlideEntry:
        return self.entries[self.at]

    @property
    def where(self) -> str:
        """ "Slide 3 of 9", in words beside the title."""
        return f"Slide {self.at + 1} of {len(self.entries)}"


@dataclass(frozen=True)
class Projected:
    """What the projector draws: the slide on show, and the stamp it compares on each poll."""

    deck: Deck
    slide: Slide
    stamp: str


def _deck(session: Session, workshop: WorkshopInfo, stored: str | None) -> Deck:
    bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
    entries = slides.sequence(bank=bank, domains=workshop.domains, revealed=workshop.revealed)
    return Deck(
        workshop_id=workshop.id,
        join_code=workshop.join_code,
        workshop=f"{workshop.partnership} · {workshop.title}",
        revealed=workshop.revealed,
        entries=entries,
        at=slides.position(entries, stored),
    )


def _stored(session: Session, workshop_id: int, *, lock: bool = False) -> str | None:
    found = shown_slide(session=session, workshop_id=workshop_id, lock=lock)
    return None if found is None else found.slide


def deck(*, engine: Engine, actor: Actor, workshop_id: int) -> Deck:
    """The workshop's slides and the one on show, for the facilitator's control page."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        return _deck(session, workshop, _stored(session, workshop_id))


def show_slide(*, engine: Engine, actor: Actor, workshop_id: int, slide: str) -> Deck:
    """Put one of the workshop's slides on show, by its key; a key that is not one of the
    workshop's slides now (a result slide before the reveal, say) is refused and changes nothing."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        current = _deck(session, workshop, _stored(session, workshop_id, lock=True))
        keys = [entry.key for entry in current.entries]
        if slide not in keys:
            raise Invalid(
                "that slide is not one of this workshop's slides"
                + ("" if workshop.revealed else ": the results are not revealed yet")
            )
        store_shown_slide(session=session, workshop_id=workshop_id, slide=slide, actor=actor.audit_name)
        return _deck(session, workshop, slide)


def move_slide(*, engine: Engine, actor: Actor, workshop_id: int, step: int) -> Deck:
    """Step one slide back (-1) or on (+1) from the slide on show, staying at either end.

    Relative to what the database holds, read and written in one transaction (the row locked on
    PostgreSQL): a press on the facilitator's device and one on the projector's keyboard each move
    one slide, instead of both showing the same "next" one.
    """
    if step not in STEPS:
        raise Invalid("a step is one slide back (-1) or one on (+1)")
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        current = _deck(session, workshop, _stored(session, workshop_id, lock=True))
        following = slides.moved(current.entries, current.on_show.key, step)
        store_shown_slide(
            session=session, workshop_id=workshop_id, slide=following.key, actor=actor.audit_name
        )
        return _deck(session, workshop, following.key)


def _stamp(workshop: WorkshopInfo, entry: SlideEntry, figures: tuple[object, ...]) -> str:
    """The join slide changes with who joined and submitted only (``figures_stamp`` starts with
    those counts), not with every answer saved while the room answers; a result slide with
    anything its figures are made from."""
    shown = figures[:2] if entry.key == slides.JOIN else figures
    return "|".join(map(str, (entry.key, workshop.status, workshop.revealed, *shown)))


def projector_stamp(*, engine: Engine, actor: Actor, workshop_id: int) -> str:
    """What the projector compares about once a second: it changes when the slide on show, the
    workshop's state or anything its figures or counts are made from changes. Cheap: no scoring."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        current = _deck(session, workshop, _stored(session, workshop_id))
        return _stamp(workshop, current.on_show, figures_stamp(session=session, workshop_id=workshop_id))


# --- the slides themselves, built once per state of the answers ---------------------------------------

_KEPT_DECKS = 16
_kept: OrderedDict[Hashable, tuple[Slide, ...]] = OrderedDict()
_kept_lock = threading.Lock()


def _result_slides(
    session: Session, workshop: WorkshopInfo, figures: tuple[object, ...]
) -> tuple[Slide, ...]:
    key = (workshop.id, workshop.bank_version_id, workshop.domains, workshop.status, figures)
    with _kept_lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    scored = score_stored_workshop(session=session, workshop_id=workshop.id)
    # The slides show figures only: the model is built without the consensus, the action plan
    # and the earlier rounds, which no slide reads (every figure is made exactly as for the page).
    model = present(scored, consensus={}, actions=[], trend=pd.DataFrame())
    built = slides.result_slides(model)
    with _kept_lock:
        _kept[key] = built
        while len(_kept) > _KEPT_DECKS:
            _kept.popitem(last=False)
    return built


def projected(*, engine: Engine, actor: Actor, workshop_id: int) -> Projected:
    """The slide on show, built, for the projector; with the stamp its polling compares."""
    with transaction(engine) as session:
        workshop = workshop_for(session=session, actor=actor, workshop_id=workshop_id)
        current = _deck(session, workshop, _stored(session, workshop_id))
        figures = figures_stamp(session=session, workshop_id=workshop_id)
        entry = current.on_show
        slide: Slide
        if entry.key == slides.JOIN:
            bank = bank_for_version(session=session, bank_version_id=workshop.bank_version_id)
            labels = {s.id: s.label for s in bank.sectors}
            order = {s.id: i for i, s in enumerate(bank.sectors)}
            counts = sorted(
                joined_by_sector(session=session, workshop_id=workshop_id),
                key=lambda c: (order.get(c.sector, len(order)), c.sector),
            )
            if workshop.status == "closed":
                # Answering is closed, so the figures are what the reveal will show: build the
                # slides now (kept, never shown before the reveal), and the reveal's first slide
                # change is as quick as any other.
                _result_slides(session, workshop, figures)
            slide = slides.join_slide(
                workshop=current.workshop,
                join_code=workshop.join_code,
                status=workshop.status,
                sectors=[
                    slides.SectorCount(labels.get(c.sector, c.sector), c.joined, c.submitted) for c in counts
                ],
            )
        else:
            built = {s.key: s for s in _result_slides(session, workshop, figures)}
            slide = built[entry.key]
        return Projected(deck=current, slide=slide, stamp=_stamp(workshop, entry, figures))


__all__ = [
    "Deck",
    "Projected",
    "deck",
    "move_slide",
    "projected",
    "projector_stamp",
    "show_slide",
]
