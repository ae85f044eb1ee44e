import streamlit as st

from assessment.framework import MAX_BANK_BYTES, BankValidationError, parse_bank
from ui.bank import DEFAULT_BANK_PATH, default_bank
from ui.bank_view import errors_table, show_item
from ui.text import escape_markdown as md
from ui.text import plain_table

bank = default_bank()

st.title("Question bank")
st.caption(f"{md(bank.title)} · version {md(bank.version)} · {bank.summary()}")

browse, check = st.tabs(["Browse the questions", "Check a bank file"])

with browse:
    domain_id = st.selectbox(
        "Domain",
        options=[d.id for d in bank.domains],
        format_func=lambda d: bank.domain(d).title,
        key="bank_domain",
    )
    domain = bank.domain(domain_id)
    if domain.group:
        st.caption(md(domain.group))
    st.markdown(md(domain.description))
    for item in domain.items:
        show_item(bank, item)

with check:
    st.markdown(
        "Upload a question bank in YAML to check it before using it in a workshop. Every problem is "
        "listed with its line and what was expected. Nothing is saved."
    )
    st.download_button(
        "Download the default bank as a starting point",
        data=DEFAULT_BANK_PATH.read_bytes(),
        file_name="questions.yaml",
        mime="application/x-yaml",
    )
    upload = st.file_uploader(
        f"Bank file (YAML, at most {MAX_BANK_BYTES // 1024 // 1024} MB)",
        type=["yaml", "yml"],
        key="bank_upload",
    )
    if upload is not None:
        try:
            checked = parse_bank(upload.getvalue(), name=upload.name)
        except BankValidationError as exc:
            count = len(exc.errors)
            st.error(
                f"This bank has {count} problem{'s' if count != 1 else ''}. "
                "Fix each one below in the file, then upload it again."
            )
            st.table(plain_table(errors_table(exc.errors)), hide_index=True)
        else:
            st.success(f"This bank is valid: {checked.summary()}.")
