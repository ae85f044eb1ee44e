"""bench/load.py --workshops W: W open workshops at once, each with its own participants' links."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from assessment.db import make_engine
from bench import load


def test_several_workshops_are_opened_each_with_its_participants_and_the_browsers_counted_in_all(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'load.db'}"
    _bank, domains, tallies = load.prepare(url, participants=3, browsers=4, steps=1, workshops=2)
    assert len(domains) == 1
    assert [t.name for t in tallies] == ["W1-P01", "W1-P02", "W1-P03", "W2-P01", "W2-P02", "W2-P03"]
    assert [t.kind for t in tallies] == ["browser"] * 4 + ["socket"] * 2
    engine = make_engine(url)
    with engine.connect() as connection:
        per_workshop = connection.execute(
            text("SELECT workshop_id, count(*) FROM participants GROUP BY workshop_id ORDER BY workshop_id")
        ).all()
    engine.dispose()
    assert [count for _, count in per_workshop] == [3, 3]
    assert len({t.token for t in tallies}) == 6
