"""Realistic sample data: an ICS and two of its places, assessed three times over a year.

Facilitators rehearse with it, reviewers see every screen with believable figures, and the
storage tests use it as a whole-system fixture. The story it tells, so the screens have
something to show:

- Riverside ICS, Northam place and Southbridge place each hold three workshops on the shipped
  bank, from October 2025 to October 2026, with 8-20 leaders from every sector.
- Maturity improves round by round, but unevenly: each partnership has domains that stall and
  one or two that slip back; Southbridge improves least.
- Local authority and VCSE leaders rate "mind the gaps", "partnership or oversight body" and the
  statutory structure clearly lower than NHS leaders, so those items are split and the sector
  lens shows a perception gap. In Northam the gap narrows as the rounds go by.
- Healthwatch sends one person and "other" one or two, so their sector figures are withheld.
- Accountability answers are "unclear" more often early on and converge later.
- The team records consensus on the domains with the largest gaps, and actions follow from one
  round to the next.

Everything goes through the repository functions the app uses (``add_participant``,
``save_answers``), so every answer passes the same checks as a participant's would. Answers are
drawn from ``random.Random(seed)``: the same seed gives the same answers on any database. Join
codes and resume tokens still come from ``secrets``, because they are credentials.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment.answers import Answer
from assessment.db import (
    WorkshopInfo,
    add_participant,
    audit,
    bank_for_version,
    create_cohort,
    create_partnership,
    create_workshop,
    save_answers,
    set_workshop_state,
    store_bank_version,
    transaction,
    workshop_answers,
)
from assessment.db.demo import PersonTimes, cohort_contents, cohort_id_named, date_people
from assessment.db.outcomes import add_action, add_consensus
from assessment.framework import (
    DEFAULT_BANK_PATH,
    SPECTRUM_POSITIONS,
    UNCLEAR_TIER,
    AccountabilityItem,
    Domain,
    Item,
    MaturityItem,
    QuestionBank,
    SpectrumItem,
)
from assessment.scoring import score_workshop

DEMO_COHORT = "Demo: Riverside and its places"
# .example addresses can never reach a real person's inbox.
DEMO_FACILITATOR = "facilitator@riverside.example"
DEMO_ACTOR = "demo loader"

ROUND_LABELS = ("Round 1", "Round 2", "Round 3")
MIN_PARTICIPANTS, MAX_PARTICIPANTS = 8, 20

NHS_SECTORS = frozenset({"ics-nhs-body", "nhs-trust", "primary-care"})
SCEPTICAL_SECTORS = frozenset({"local-authority", "vcse"})
DISAGREEMENT_DOMAINS = frozenset(
    {"mind-the-gaps", "partnership-or-oversight", "statutory-structure-and-equal-partners"}
)


@dataclass(frozen=True)
class _PartnershipPlan:
    name: str
    kind: str
    dates: tuple[date, date, date]
    start: float  # the team's underlying maturity in round 1, on the 1..4 scale
    step: float  # its typical gain per round
    stalls: int  # domains that make no progress in the last round
    slips: int  # domains that fall back in one round
    # How much of the council/VCSE versus NHS disagreement is left in each round (1 = all of it).
    disagreement: tuple[float, float, float]


PARTNERSHIPS = (
    _PartnershipPlan(
        "Riverside ICS",
        "ics",
        (date(2025, 10, 14), date(2026, 3, 10), date(2026, 9, 22)),
        start=2.1,
        step=0.35,
        stalls=2,
        slips=1,
        disagreement=(1.0, 1.0, 0.9),
    ),
    _PartnershipPlan(
        "Northam place",
        "place",
        (date(2025, 10, 21), date(2026, 3, 17), date(2026, 9, 29)),
        start=2.3,
        step=0.4,
        stalls=2,
        slips=1,
        disagreement=(1.0, 0.85, 0.65),
    ),
    _PartnershipPlan(
        "Southbridge place",
        "place",
        (date(2025, 11, 4), date(2026, 3, 24), date(2026, 10, 6)),
        start=1.9,
        step=0.2,
        stalls=4,
        slips=2,
        disagreement=(1.0, 1.0, 1.0),
    ),
)

# (fewest, most) people per sector. An ICS workshop brings more NHS body and trust leaders; a
# place brings more PCN leads. Healthwatch sends one person, so its figures are always withheld.
HEADCOUNTS: dict[str, dict[str, tuple[int, int]]] = {
    "ics": {
        "ics-nhs-body": (3, 3),
        "nhs-trust": (3, 4),
        "primary-care": (2, 3),
        "local-authority": (3, 4),
        "vcse": (3, 3),
        "healthwatch": (1, 1),
        "other": (1, 2),
    },
    "place": {
        "ics-nhs-body": (1, 2),
        "nhs-trust": (2, 4),
        "primary-care": (3, 3),
        "local-authority": (3, 4),
        "vcse": (2, 3),
        "healthwatch": (1, 1),
        "other": (1, 1),
    },
}
OTHER_SECTOR_HEADCOUNT = (1, 2)  # a sector a custom bank adds

ROLES: dict[str, tuple[str, ...]] = {
    "ics-nhs-body": (
        "Chief executive",
        "Director of strategy",
        "Chief nurse",
        "Chief finance officer",
        "Director of place",
    ),
    "nhs-trust": (
        "Chief executive, acute trust",
        "Chief operating officer, community trust",
        "Medical director, mental health trust",
        "Director of strategy, acute trust",
        "Chief executive, ambulance trust",
    ),
    "primary-care": ("PCN clinical director", "GP federation chair", "LMC secretary"),
    "local-authority": (
        "Director of adult social services",
        "Director of public health",
        "Cabinet member for health and care",
        "Director of children's services",
    ),
    "vcse": (
        "Chief officer, council for voluntary service",
        "VCSE alliance chair",
        "Chief executive, carers' charity",
    ),
    "healthwatch": ("Healthwatch chief executive",),
    "other": ("Independent chair", "University partnership lead"),
}

# Where "now" sits in round 1 and round 3, and where the team would like to be, on 1..5.
SPECTRUM_STORY: dict[str, tuple[float, float, float]] = {
    "flex-local-or-national": (3.6, 3.0, 1.8),
    "collab-place-balance": (3.8, 3.2, 2.6),
    "poo-stance": (3.0, 2.6, 1.6),
    "delegation-where-decided": (1.8, 2.6, 3.8),
}

# The tier most leaders come to name for each function as the arrangements bed in.
SETTLED_TIERS: dict[str, str] = {
    "trust-quality-failure": "individual-organisation",
    "place-budget-overspend": "place-partnership",
    "elective-recovery-target-missed": "provider-collaborative",
    "cross-sector-safeguarding-failure": "individual-organisation",
    "place-inequalities-widening": "health-and-wellbeing-board",
    "joint-commissioning-failure": "ics-nhs-body",
    "data-sharing-breach": "individual-organisation",
    "pooled-place-budget-use": "place-partnership",
    "pcn-investment": "ics-nhs-body",
    "neighbourhood-service-design": "neighbourhood-pcn",
    "place-priority-setting": "place-partnership",
    "community-service-contracts": "ics-nhs-body",
}
UNCLEAR_SHARE = (0.38, 0.24, 0.12)  # per round: how often a function's tier is "unclear"
SETTLED_SHARE = (0.5, 0.65, 0.78)  # per round: of the rest, how often the settled tier is named

# (partnership, round index, item, sector of the writer, comment). Only sectors with several
# people in the room write comments, so no comment points at one identifiable person.
COMMENTS: tuple[tuple[str, int, str, str, str], ...] = (
    (
        "Riverside ICS",
        0,
        "gaps-finance-regimes",
        "local-authority",
        "Council budgets are set a year ahead and have to balance by law. NHS colleagues still talk "
        "as if we could carry an overspend into next year.",
    ),
    (
        "Riverside ICS",
        0,
        "statutory-local-government-equal",
        "local-authority",
        "We are invited once the NHS body has already decided. By then the only question left for the "
        "council is whether to agree.",
    ),
    (
        "Riverside ICS",
        0,
        "poo-sum-of-parts",
        "vcse",
        "Small charities hear about ICS decisions from the newsletter. It feels like something done to "
        "us rather than with us.",
    ),
    (
        "Riverside ICS",
        0,
        "accountability-no-overlap-or-gap",
        "nhs-trust",
        "If there were a serious failure tomorrow I could not say who would be called to account beyond "
        "our own board.",
    ),
    (
        "Riverside ICS",
        1,
        "easy-data-sharing",
        "primary-care",
        "The shared care record is live in two practices out of forty. Information governance sign-off "
        "is still the slowest step.",
    ),
    (
        "Riverside ICS",
        1,
        "trust-candid-relationships",
        "ics-nhs-body",
        "The winter escalation review was the first time partners challenged each other openly in the "
        "room rather than afterwards.",
    ),
    (
        "Riverside ICS",
        2,
        "statutory-vcse-healthwatch",
        "vcse",
        "The VCSE alliance now has a seat at the partnership board, but we still have no say over how "
        "the money flows.",
    ),
    (
        "Riverside ICS",
        2,
        "dual-purpose-protected-resource",
        "ics-nhs-body",
        "Prevention funding survived this year's savings round. Two years ago it would have been the "
        "first thing cut.",
    ),
    (
        "Northam place",
        0,
        "delegation-place-budgets",
        "local-authority",
        "Northam has responsibilities without money: every spending decision still goes back to the system.",
    ),
    (
        "Northam place",
        1,
        "patient-focus-inequalities",
        "local-authority",
        "People in the east of the borough still wait longest, and nobody at this table owns that gap.",
    ),
    (
        "Northam place",
        2,
        "gaps-common-language",
        "nhs-trust",
        "The joint glossary helped. We now argue about the substance rather than about what each "
        "other's words mean.",
    ),
    (
        "Southbridge place",
        0,
        "tensions-dispute-route",
        "primary-care",
        "Disagreements get parked until the next meeting, and then parked again.",
    ),
    (
        "Southbridge place",
        1,
        "easy-payment-and-pooled-budgets",
        "nhs-trust",
        "The pooled budget for discharge works, but changing it takes longer than the winter it was "
        "meant for.",
    ),
    (
        "Southbridge place",
        2,
        "trust-setback-repair",
        "local-authority",
        "Losing the argument over community beds set us back. We have rebuilt some trust, not all of it.",
    ),
)

# Why a team settles where it does, in the words a facilitator would minute.
CONSENSUS_REASONS: dict[str, str] = {
    "mind-the-gaps": "partners could describe each other's duties, but not yet plan around them",
    "partnership-or-oversight": "the NHS body's oversight role is still felt more than the partnership",
    "statutory-structure-and-equal-partners": "councils and the VCSE are present but not yet equal",
    "right-thing-easy": "data sharing and pooled budgets still depend on goodwill, not on process",
    "accountability": "trust boards are clear about their own duties, less so about the system's",
    "delegation-to-place": "places have tasks; money and decisions have moved only in part",
}
GENERIC_REASON = "most partners could point to examples at this level, but not yet across the system"


@dataclass(frozen=True)
class _ActionPlan:
    round: int
    domain: str
    title: str
    owner: str
    weeks: int  # from the workshop to the due date
    status: str
    notes: str = ""


ACTIONS: dict[str, tuple[_ActionPlan, ...]] = {
    "Riverside ICS": (
        _ActionPlan(
            0,
            "statutory-structure-and-equal-partners",
            "Give council and VCSE members a say before NHS body decisions reach the partnership board",
            "Independent chair",
            12,
            "done",
            "In place since January; reviewed at round 2.",
        ),
        _ActionPlan(
            0,
            "accountability",
            "Publish one accountability map covering quality, money and safeguarding",
            "Director of strategy, ICS NHS body",
            20,
            "in-progress",
            "Draft agreed with the trusts; the councils have not yet signed it off.",
        ),
        _ActionPlan(
            1,
            "mind-the-gaps",
            "Hold a joint session on council and NHS budget rules for finance directors",
            "Chief finance officer, ICS NHS body",
            8,
            "done",
            "Held in May with every finance director.",
        ),
        _ActionPlan(
            2,
            "partnership-or-oversight",
            "Co-design the oversight approach with member organisations",
            "Chief executive, ICS NHS body",
            14,
            "planned",
        ),
    ),
    "Northam place": (
        _ActionPlan(
            0,
            "delegation-to-place",
            "Agree the first delegated place budget, for intermediate care",
            "Director of place",
            16,
            "done",
            "Delegated from April.",
        ),
        _ActionPlan(
            0,
            "mind-the-gaps",
            "Write a shared glossary of council and NHS terms",
            "Director of public health",
            10,
            "done",
        ),
        _ActionPlan(
            1,
            "patient-focus",
            "Name an owner for the east-of-borough waiting gap and report it to every meeting",
            "Place partnership chair",
            6,
            "in-progress",
        ),
        _ActionPlan(
            2,
            "right-thing-easy",
            "Sign one information-sharing agreement for neighbourhood teams",
            "PCN clinical director",
            12,
            "planned",
        ),
    ),
    "Southbridge place": (
        _ActionPlan(
            0,
            "manage-the-tensions",
            "Set up a route for disputes to be settled within a month",
            "Place partnership chair",
            12,
            "dropped",
            "Overtaken by the ICS-wide dispute process; see round 2.",
        ),
        _ActionPlan(
            1,
            "manage-the-tensions",
            "Adopt the ICS dispute process at place, with a named convenor",
            "Director of adult social services",
            10,
            "in-progress",
        ),
        _ActionPlan(
            1,
            "trust-momentum",
            "Run a joint review of the community beds decision and publish what was learned",
            "Chief executive, community trust",
            12,
            "done",
        ),
        _ActionPlan(
            2,
            "statutory-structure-and-equal-partners",
            "Rotate the place board chair between the council and the NHS",
            "Place partnership chair",
            26,
            "planned",
        ),
    ),
}


@dataclass(frozen=True)
class DemoSummary:
    created: bool  # False when the demo data was already there
    cohort: str
    partnerships: int
    workshops: int
    participants: int
    answers: int
    join_codes: list[str]


def load_demo(*, engine: Engine, seed: int = 1, bank_yaml: str | None = None) -> DemoSummary:
    """Write the demo cohort in one transaction, or report what is there if it already exists.

    The database must already be at the current schema (the CLI upgrades it first).
    """
    if bank_yaml is None:
        bank_yaml = DEFAULT_BANK_PATH.read_text(encoding="utf-8")
    with transaction(engine) as session:
        existing = cohort_id_named(session=session, name=DEMO_COHORT)
        if existing is not None:
            return _summary(session=session, cohort_id=existing, created=False)
        cohort_id = _write_demo(session=session, seed=seed, bank_yaml=bank_yaml)
        return _summary(session=session, cohort_id=cohort_id, created=True)


# --- writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    id: int
    sector: str
    bias: float  # some people rate everything a little higher or lower


def _write_demo(*, session: Session, seed: int, bank_yaml: str) -> int:
    # Reproducible sample data, not secrets: a seeded PRNG is the point.
    rng = random.Random(seed)  # noqa: S311
    bank_version_id = store_bank_version(session=session, yaml_text=bank_yaml)
    bank = bank_for_version(session=session, bank_version_id=bank_version_id)
    cohort_id = create_cohort(session=session, name=DEMO_COHORT)
    audit(session=session, actor=DEMO_ACTOR, action="demo.load", target=DEMO_COHORT, detail={"seed": seed})

    # Some domains are harder everywhere, and some items within them harder than others.
    domain_base = {d.id: rng.uniform(-0.35, 0.35) for d in bank.domains}
    item_offset = {item.id: rng.gauss(0, 0.25) for _, item in bank.iter_items()}

    parent_id: int | None = None
    for plan in PARTNERSHIPS:
        partnership_id = create_partnership(
            session=session, cohort_id=cohort_id, name=plan.name, kind=plan.kind, parent_id=parent_id
        )
        if plan.kind == "ics":
            parent_id = partnership_id
        levels = _trajectories(rng=rng, plan=plan, bank=bank, domain_base=domain_base)
        sector_tilt = {s.id: rng.gauss(0, 0.15) for s in bank.sectors}
        workshops: list[WorkshopInfo] = []
        for round_index, (label, held_on) in enumerate(zip(ROUND_LABELS, plan.dates, strict=True)):
            workshop = create_workshop(
                session=session,
                partnership_id=partnership_id,
                bank_version_id=bank_version_id,
                title=f"{plan.name} readiness workshop, {label.lower()}",
                held_on=held_on,
                round_label=label,
                anonymous=True,
            )
            workshops.append(workshop)
            set_workshop_state(
                session=session, workshop_id=workshop.id, actor=DEMO_FACILITATOR, status="open"
            )
            people = _add_people(session=session, rng=rng, bank=bank, plan=plan, workshop=workshop)
            comments = _comments_for(plan=plan, round_index=round_index, people=people, bank=bank)
            for person in people:
                answers = [
                    _answer(
                        rng=rng,
                        bank=bank,
                        domain=domain,
                        item=item,
                        person=person,
                        plan=plan,
                        round_index=round_index,
                        level=levels[domain.id][round_index] + item_offset[item.id],
                        sector_tilt=sector_tilt[person.sector],
                        comment=comments.get((person.id, item.id)),
                    )
                    for domain, item in bank.iter_items()
                ]
                save_answers(
                    session=session,
                    participant_id=person.id,
                    answers=answers,
                    bank=bank,
                    domains=list(workshop.domains),
                )
            _date_the_room(session=session, people=people, held_on=held_on)
            set_workshop_state(
                session=session,
                workshop_id=workshop.id,
                actor=DEMO_FACILITATOR,
                status="closed",
                revealed=True,
            )
            _record_consensus(session=session, bank=bank, workshop=workshop)
        _record_actions(
            session=session, bank=bank, plan=plan, partnership_id=partnership_id, workshops=workshops
        )
    return cohort_id


def _trajectories(
    *, rng: random.Random, plan: _PartnershipPlan, bank: QuestionBank, domain_base: dict[str, float]
) -> dict[str, list[float]]:
    """Each domain's underlying level per round: mostly rising, with some stalls and slips."""
    domain_ids = [d.id for d in bank.domains]
    stalled = set(rng.sample(domain_ids, min(plan.stalls, len(domain_ids))))
    slipping = set(rng.sample(domain_ids, min(plan.slips, len(domain_ids))))
    levels: dict[str, list[float]] = {}
    for domain_id in domain_ids:
        level = plan.start + domain_base[domain_id] + rng.gauss(0, 0.2)
        path = [level]
        slip_round = rng.choice((1, 2))
        for round_index in (1, 2):
            step = max(rng.gauss(plan.step, 0.12), 0.0)
            if domain_id in stalled and round_index == 2:
                step = 0.0
            if domain_id in slipping and round_index == slip_round:
                step = -0.4
            level += step
            path.append(level)
        levels[domain_id] = path
    return levels


def _add_people(
    *,
    session: Session,
    rng: random.Random,
    bank: QuestionBank,
    plan: _PartnershipPlan,
    workshop: WorkshopInfo,
) -> list[_Person]:
    headcounts = HEADCOUNTS.get(plan.kind, HEADCOUNTS["place"])
    counts = {s.id: rng.randint(*headcounts.get(s.id, OTHER_SECTOR_HEADCOUNT)) for s in bank.sectors}
    # Keep within a workshop's realistic size whatever sectors a custom bank lists, trimming the
    # largest sector first so every sector stays in the room.
    while sum(counts.values()) > MAX_PARTICIPANTS and max(counts.values()) > 1:
        counts[max(counts, key=lambda s: counts[s])] -= 1
    while sum(counts.values()) < MIN_PARTICIPANTS:
        counts[min(counts, key=lambda s: counts[s])] += 1
    seats = [sector for sector, count in counts.items() for _ in range(count)]
    rng.shuffle(seats)  # people arrive in no particular order, so labels do not reveal sectors
    seen: dict[str, int] = {}
    people = []
    for number, sector in enumerate(seats, start=1):
        roles = ROLES.get(sector, ("Partnership member",))
        role = roles[seen.get(sector, 0) % len(roles)]
        seen[sector] = seen.get(sector, 0) + 1
        info = add_participant(
            session=session, workshop_id=workshop.id, sector=sector, role=role, label=f"P{number:02d}"
        )
        people.append(_Person(id=info.id, sector=sector, bias=rng.gauss(0, 0.35)))
    return people


def _comments_for(
    *, plan: _PartnershipPlan, round_index: int, people: Sequence[_Person], bank: QuestionBank
) -> dict[tuple[int, str], str]:
    known_items = {item.id for _, item in bank.iter_items()}
    found: dict[tuple[int, str], str] = {}
    for partnership, comment_round, item_id, sector, text in COMMENTS:
        if partnership != plan.name or comment_round != round_index or item_id not in known_items:
            continue
        writer = next((p for p in people if p.sector == sector), None)
        if writer is not None:
            found[(writer.id, item_id)] = text
    return found


def _answer(
    *,
    rng: random.Random,
    bank: QuestionBank,
    domain: Domain,
    item: Item,
    person: _Person,
    plan: _PartnershipPlan,
    round_index: int,
    level: float,
    sector_tilt: float,
    comment: str | None,
) -> Answer:
    confidence = rng.choices((1, 2, 3), weights=(2, 5, 3))[0] if rng.random() < 0.88 else None
    if isinstance(item, AccountabilityItem):
        return Answer(
            item_id=item.id,
            tiers=_tiers(rng=rng, item=item, round_index=round_index),
            confidence=confidence,
            comment=comment,
        )
    # Healthwatch and "other" members see less of the system's inner workings.
    dont_know_chance = 0.03 + (0.05 if person.sector in ("healthwatch", "other") else 0.0)
    if rng.random() < dont_know_chance:
        return Answer(
            item_id=item.id, dont_know=True, confidence=1 if rng.random() < 0.5 else None, comment=comment
        )
    disagreement = plan.disagreement[round_index] if domain.id in DISAGREEMENT_DOMAINS else 0.0
    if isinstance(item, SpectrumItem):
        now_first, now_last, preferred = SPECTRUM_STORY.get(item.id, (3.0, 3.0, 2.0))
        now = now_first + (now_last - now_first) * round_index / (len(ROUND_LABELS) - 1)
        # Councils and the VCSE experience the ICS as more of an oversight body than the NHS does.
        if person.sector in SCEPTICAL_SECTORS:
            now += 1.1 * disagreement
        current = _clamp(now + person.bias + rng.gauss(0, 0.5), SPECTRUM_POSITIONS)
        target = _clamp(preferred + rng.gauss(0, 0.6), SPECTRUM_POSITIONS)
        return Answer(item_id=item.id, current=current, target=target, confidence=confidence, comment=comment)
    assert isinstance(item, MaturityItem)
    latent = level + sector_tilt + person.bias + rng.gauss(0, 0.45)
    if person.sector in SCEPTICAL_SECTORS:
        latent -= 1.6 * disagreement
    elif person.sector in NHS_SECTORS:
        latent += 0.7 * disagreement
    elif person.sector == "healthwatch":
        latent -= 0.6 * disagreement
    current = _clamp(latent, bank.max_level)
    # Leaders usually aim one or two stages up; a few are content where they are.
    target = min(current + rng.choices((0, 1, 2), weights=(12, 55, 33))[0], bank.max_level)
    return Answer(item_id=item.id, current=current, target=target, confidence=confidence, comment=comment)


def _tiers(*, rng: random.Random, item: AccountabilityItem, round_index: int) -> dict[str, str]:
    tier_ids = [t.id for t in item.tiers]
    named = [t for t in tier_ids if t != UNCLEAR_TIER] or tier_ids
    chosen: dict[str, str] = {}
    for function in item.functions:
        settled = SETTLED_TIERS.get(function.id)
        if settled not in named:
            # A function a custom bank adds settles on a tier of its own, the same every round.
            settled = named[sum(map(ord, function.id)) % len(named)]
        draw = rng.random()
        if UNCLEAR_TIER in tier_ids and draw < UNCLEAR_SHARE[round_index]:
            chosen[function.id] = UNCLEAR_TIER
        elif rng.random() < SETTLED_SHARE[round_index]:
            chosen[function.id] = settled
        else:
            chosen[function.id] = rng.choice(named)
    return chosen


def _clamp(value: float, top: int) -> int:
    # Half rounds up: Python's round() sends 2.5 to 2, which would bias levels downwards.
    return min(max(math.floor(value + 0.5), 1), top)


def _at(day: date, hour: int, minutes: int = 0) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC) + timedelta(minutes=minutes)


def _date_the_room(*, session: Session, people: Sequence[_Person], held_on: date) -> None:
    """Put joining, answering and submitting on the workshop's own day, in that order.

    The repository stamps them with the time of the call, which would have a 2025 workshop's
    participants joining today, after they submitted. Everyone in a closed demo workshop
    finished; staggered times look like a real room.
    """
    date_people(
        session=session,
        people=[
            PersonTimes(
                participant_id=person.id,
                joined_at=_at(held_on, 9, 30 + index),
                submitted_at=_at(held_on, 10, 5 + 2 * index),
            )
            for index, person in enumerate(people)
        ],
        answered_at=_at(held_on, 10),
    )


def _record_consensus(*, session: Session, bank: QuestionBank, workshop: WorkshopInfo) -> None:
    """Minute what the room agreed on the three domains with the largest gaps, as scored."""
    answers, tier_answers = workshop_answers(session=session, workshop_id=workshop.id)
    scores = score_workshop(answers, bank, tier_answers=tier_answers, domains=workshop.domains)
    domains = scores.domains.loc[~scores.domains["withheld"] & (scores.domains["gap"] > 0)]
    sectors = scores.sectors.loc[~scores.sectors["withheld"] & scores.sectors["current"].notna()]
    labels = {s.id: s.label for s in bank.sectors}
    top = domains.sort_values("gap", ascending=False, kind="stable").head(3)
    for domain_id, current in zip(
        top["domain"].astype(str), top["current"].to_numpy(dtype=float), strict=True
    ):
        # Rooms agree on whole or half stages, and between two they settle at the lower one.
        level = math.floor(current * 2) / 2
        reason = CONSENSUS_REASONS.get(domain_id, GENERIC_REASON)
        rationale = f"The room settled on {level:g} ({bank.level_label(max(1, int(level)))}): {reason}."
        dissent = ""
        shown = sectors.loc[sectors["domain"] == domain_id].sort_values("current", kind="stable")
        if len(shown) >= 2 and float(shown["current"].iloc[-1]) - float(shown["current"].iloc[0]) >= 1:
            low, high = shown.iloc[0], shown.iloc[-1]
            dissent = (
                f"{labels.get(str(low['sector']), low['sector'])} members rated this lower "
                f"({float(low['current']):.1f} against {float(high['current']):.1f} from "
                f"{labels.get(str(high['sector']), high['sector'])}) and asked for that to be recorded."
            )
        add_consensus(
            session=session,
            workshop_id=workshop.id,
            domain_id=domain_id,
            item_id=None,
            level=level,
            rationale=rationale,
            dissent=dissent,
            recorded_by=DEMO_FACILITATOR,
            recorded_at=_at(workshop.held_on, 16),
        )


def _record_actions(
    *,
    session: Session,
    bank: QuestionBank,
    plan: _PartnershipPlan,
    partnership_id: int,
    workshops: Sequence[WorkshopInfo],
) -> None:
    known_domains = {d.id for d in bank.domains}
    for action in ACTIONS.get(plan.name, ()):
        if action.domain not in known_domains:
            continue
        agreed_at = workshops[action.round]
        # An action last changed at the next round's review, or when it was agreed if still planned.
        later = workshops[action.round + 1] if action.round + 1 < len(workshops) else agreed_at
        reviewed = agreed_at if action.status == "planned" else later
        add_action(
            session=session,
            partnership_id=partnership_id,
            workshop_id=agreed_at.id,
            domain_id=action.domain,
            item_id=None,
            title=action.title,
            owner=action.owner,
            due_on=agreed_at.held_on + timedelta(weeks=action.weeks),
            status=action.status,
            notes=action.notes,
            at=_at(agreed_at.held_on, 17),
            updated_at=_at(reviewed.held_on, 17),
        )


# --- reading back ----------------------------------------------------------------------------------


def _summary(*, session: Session, cohort_id: int, created: bool) -> DemoSummary:
    contents = cohort_contents(session=session, cohort_id=cohort_id)
    return DemoSummary(
        created=created,
        cohort=DEMO_COHORT,
        partnerships=contents.partnerships,
        workshops=len(contents.join_codes),
        participants=contents.participants,
        answers=contents.answers,
        join_codes=list(contents.join_codes),
    )
