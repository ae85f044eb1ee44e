"""Exports and import: a workshop's figures, consensus and actions, and its answers file, taken out
of the app, and a typed-up paper round brought in, without the command line.

Every file is made by a service when its button is pressed (a deferred download), so nothing is
made, or recorded as taken, for a button nobody presses.
"""

from functools import partial

import streamlit as st

from assessment import exports
from assessment.errors import Refused
from assessment.io import FORMATS, RAW_EXPORT_WARNING, ImportRejected
from assessment.services import Actor
from assessment.services import exports as export_files
from assessment.services.answer_files import export_answers, import_answers
from assessment.services.workshops import find_workshop
from ui.auth import require_facilitator
from ui.db import engine, plain_engine
from ui.errors import show_refusal
from ui.pickers import choose_workshop
from ui.text import escape_markdown as md

MAX_PROBLEMS_LISTED = 100
RAW_LABELS = {"csv": "CSV (.csv)", "xlsx": "Excel workbook (.xlsx)", "json": "JSON (.json)"}
RAW_NAMES = {"csv": "CSV", "xlsx": "Excel", "json": "JSON"}
RAW_MIMES = {"csv": exports.CSV_MIME, "xlsx": exports.XLSX_MIME, "json": "application/json"}
OUTCOMES_EXCEL, OUTCOMES_CSV = "Excel workbook (.xlsx)", "CSV files (.csv)"

actor = Actor.facilitator(require_facilitator())

st.title("Exports and import")
code = choose_workshop(actor)
try:
    workshop = find_workshop(engine=engine(), actor=actor, join_code=code)
except Refused as exc:
    show_refusal("open the workshop", exc, then="Choose another workshop.")
    st.stop()
workshop_id = workshop.id
current = plain_engine()  # a deferred download runs on another thread, outside this page run


def figures() -> bytes:
    return export_files.figures_workbook(engine=current, actor=actor, workshop_id=workshop_id).content


def outcomes(fmt: str, table: str | None = None) -> bytes:
    made = export_files.outcomes_file(
        engine=current, actor=actor, workshop_id=workshop_id, fmt=fmt, table=table
    )
    return made.content


def answers(fmt: str) -> bytes:
    return export_answers(engine=current, actor=actor, workshop_id=workshop_id, fmt=fmt)


st.subheader("The team's figures")
st.markdown(
    "One Excel workbook with a sheet each for the questions, the domains, the sector lens, the "
    "spectrum and accountability: the figures of **Team results**, withheld exactly as there. A "
    "figure from too few people is an empty cell, with the word *withheld* in the row's Status column."
)
st.download_button(
    "Download the figures (Excel)",
    data=figures,
    file_name=exports.file_name(workshop, "figures", "xlsx"),
    mime=exports.XLSX_MIME,
    on_click="ignore",
    icon=":material/table_view:",
    key=f"exports_figures_{workshop_id}",
)

st.subheader("Consensus and actions")
st.markdown(
    "The levels the team agreed, with their rationale and dissent, and the partnership's action plan."
)
chosen = st.radio("Format", [OUTCOMES_EXCEL, OUTCOMES_CSV], horizontal=True, key="exports_outcomes_format")
if chosen == OUTCOMES_EXCEL:
    st.download_button(
        "Download consensus and actions (Excel)",
        data=partial(outcomes, "xlsx"),
        file_name=exports.file_name(workshop, "consensus-and-actions", "xlsx"),
        mime=exports.XLSX_MIME,
        on_click="ignore",
        icon=":material/download:",
        key=f"exports_outcomes_xlsx_{workshop_id}",
    )
else:
    for table in exports.OUTCOME_TABLES:
        st.download_button(
            f"Download {table} (CSV)",
            data=partial(outcomes, "csv", table),
            file_name=exports.file_name(workshop, table, "csv"),
            mime=exports.CSV_MIME,
            on_click="ignore",
            icon=":material/download:",
            key=f"exports_outcomes_{table}_{workshop_id}",
        )

st.subheader("Individual answers")
st.warning(RAW_EXPORT_WARNING)
if workshop.anonymous:
    st.caption(
        "This workshop is anonymous: the file leaves out each person's role, which with their sector "
        "could identify them, and gives each person's label only."
    )
else:
    st.caption("This workshop records names: the file has each person's name and role.")
understood = st.checkbox(
    "I understand that this file holds every participant's individual answers, and I will keep it "
    "as safely as the answers themselves",
    key=f"exports_raw_understood_{workshop_id}",
)
if understood:
    fmt = st.radio(
        "File format",
        list(FORMATS),
        format_func=RAW_LABELS.__getitem__,
        horizontal=True,
        key="exports_raw_format",
    )
    st.download_button(
        f"Download the answers file ({RAW_NAMES[str(fmt)]})",
        data=partial(answers, str(fmt)),
        file_name=exports.file_name(workshop, "answers", str(fmt)),
        mime=RAW_MIMES[str(fmt)],
        on_click="ignore",
        icon=":material/download:",
        key=f"exports_raw_{workshop_id}",
    )

st.subheader("Import a paper round")
st.markdown(
    "Type the paper forms into the answers file's columns (download one above to start from), one row "
    "per person and question, and import it here. It is all or nothing: if any row has a problem, "
    "nothing is imported and every problem is listed by row and column. Imported people count as "
    "having submitted."
)
uploaded = st.file_uploader(
    "Answers file (.csv, .xlsx or .json)",
    type=["csv", "xlsx", "json"],
    key=f"exports_import_file_{workshop_id}",
)
if uploaded is not None and st.button(
    f"Import into {md(workshop.title)}",
    type="primary",
    icon=":material/upload:",
    key=f"exports_import_{workshop_id}",
):
    try:
        summary = import_answers(
            engine=engine(),
            actor=actor,
            workshop_id=workshop_id,
            content=uploaded.getvalue(),
            filename=uploaded.name,
        )
    except ImportRejected as exc:
        problems = exc.problems
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        st.error(f"Nothing was imported: the file has {count}. Correct them in the file and import it again.")
        listed = problems[:MAX_PROBLEMS_LISTED]
        st.markdown("\n".join(f"- {md(problem)}" for problem in listed))
        if len(problems) > len(listed):
            st.caption(f"… and {len(problems) - len(listed)} more.")
    except Refused as exc:
        show_refusal("import the file", exc, then="Nothing was imported.")
    else:
        st.success(
            f"Imported {summary.answers} answer{'' if summary.answers == 1 else 's'} from "
            f"{summary.participants} participant{'' if summary.participants == 1 else 's'} into "
            f"{md(workshop.title)}."
        )
