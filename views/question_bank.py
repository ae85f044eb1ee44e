import streamlit as st

from assessment.framework import MAX_BANK_BYTES, BankValidationError, parse_bank
from ui.auth import current_facilitator, current_path, sign_in_link
from ui.bank import bank_path, default_bank
from ui.bank_view import errors_table, show_item
from ui.text import escape_markdown as md
from ui.text import plain_table

MAX_LISTED_PROBLEMS = 50

bank = default_bank()

st.title("Question bank")
st.caption(f"{md(bank.title)} · version {md(bank.version)} · {bank.summary()}")

if current_facilitator() is not None:
    st.page_link(
        "views/bank_editor.py",
        label="Edit the questions in a bank of your own",
        icon=":material/edit_document:",
    )

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
        "Upload a question bank in YAML to check it before using it in a workshop. Each problem is "
        "listed with its line and what was expected. Nothing is saved."
    )
    st.download_button(
        "Download the default bank as a starting point",
        data=bank_path().read_bytes(),
        file_name="questions.yaml",
        mime="application/x-yaml",
        key="bank_download",
    )
    # Checking an upload is for facilitators: it costs the server work (bounded, but real) and
    # nobody else needs it. Reading the bank, and downloading it, stays open to everyone.
    if current_facilitator() is None:
        st.info("Checking a bank file is for facilitators: sign in first. Anyone can read the questions.")
        sign_in_link(current_path())  # back to this page once signed in
        st.stop()
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
            if count > MAX_LISTED_PROBLEMS:
                st.error(
                    f"This bank has {count:,} problems. The first {MAX_LISTED_PROBLEMS} are listed "
                    "below, in the order they appear: fix them in the file, then upload it again to "
                    "see what remains."
                )
            else:
                st.error(
                    f"This bank has {count} problem{'s' if count != 1 else ''}. "
                    "Fix each one below in the file, then upload it again."
                )
            # A table of every problem in a hostile file would be hundreds of thousands of rows
            # for the browser to draw; the first few tell the author what is wrong.
            st.table(plain_table(errors_table(exc.errors[:MAX_LISTED_PROBLEMS])), hide_index=True)
            if count > MAX_LISTED_PROBLEMS:
                more = count - MAX_LISTED_PROBLEMS
                st.caption(f"…and {more:,} more problem{'s' if more != 1 else ''}, not listed here.")
        else:
            st.success(f"This bank is valid: {checked.summary()}.")
