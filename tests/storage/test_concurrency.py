"""Many people answering at once: every answer lands exactly once, whatever the interleaving."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select

from assessment.answers import Answer
from assessment.db import (
    add_participant,
    bank_for_version,
    save_answer,
    transaction,
    workshop_answers,
    workshop_info,
)
from assessment.db.tables import Response

WRITERS = 8
PARTICIPANTS_PER_WRITER = 25
ANSWERS_EACH = 50


def test_eight_writers_saving_fifty_answers_for_twenty_five_participants_each_lose_nothing(
    engine: Engine, workshop_id: int
) -> None:
    with transaction(engine) as session:
        info = workshop_info(session=session, workshop_id=workshop_id)
        bank = bank_for_version(session=session, bank_version_id=info.bank_version_id)
        sectors = [s.id for s in bank.sectors]
        people = [
            add_participant(session=session, workshop_id=workshop_id, sector=sectors[i % len(sectors)]).id
            for i in range(WRITERS * PARTICIPANTS_PER_WRITER)
        ]
    items = [i.id for _, i in bank.iter_items() if i.type == "maturity"][:ANSWERS_EACH]
    assert len(items) == ANSWERS_EACH

    def level(person: int, item: int) -> int:
        return (person * 7 + item * 3) % 4 + 1

    def write(writer: int) -> int:
        rnd = random.Random(writer)
        mine = people[writer * PARTICIPANTS_PER_WRITER : (writer + 1) * PARTICIPANTS_PER_WRITER]
        work = [(p, i) for p in mine for i in range(ANSWERS_EACH)]
        rnd.shuffle(work)
        # one in ten answers is saved twice, as a double click or a second tab would
        work += rnd.sample(work, len(work) // 10)
        for person, item in work:
            with transaction(engine) as session:
                answer = Answer(item_id=items[item], current=level(person, item), target=4)
                save_answer(session=session, participant_id=person, answer=answer, bank=bank)
        return len(work)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        saves = sum(pool.map(write, range(WRITERS)))

    expected = WRITERS * PARTICIPANTS_PER_WRITER * ANSWERS_EACH
    assert saves > expected  # the duplicates really were sent
    with transaction(engine) as session:
        rows = session.scalar(select(func.count()).select_from(Response))
        distinct = session.scalar(
            select(func.count()).select_from(
                select(Response.participant_id, Response.item_id).distinct().subquery()
            )
        )
        answers, _ = workshop_answers(session=session, workshop_id=workshop_id)
    assert rows == distinct == expected
    wrong = [
        (row.participant, row.item_id)
        for row in answers.itertuples()
        if row.current != level(row.participant, items.index(row.item_id))
    ]
    assert wrong == []
