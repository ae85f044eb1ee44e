"""The app's pages as data: app.py builds its menu from here, and the security tests enumerate it.

Keeping the list in one place means a new page is either here (and then checked by the tests that
every facilitator page refuses a visitor who has not signed in) or not reachable at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st


@dataclass(frozen=True)
class NavPage:
    script: str  # relative to the project root, e.g. "views/home.py"
    title: str
    icon: str
    url_path: str | None = None  # None: Streamlit derives it from the file name
    facilitator_only: bool = False  # the page needs a signed-in facilitator (and checks on every run)
    administrator_only: bool = False  # ... who is an administrator (listed in the menu only for them)
    default: bool = False
    hidden: bool = False  # reachable by link only, e.g. the resume link

    def page(self) -> st.Page:
        return st.Page(
            self.script,
            title=self.title,
            icon=self.icon,
            url_path=self.url_path,
            default=self.default,
            visibility="hidden" if self.hidden else "visible",
        )


PARTICIPANT_PAGES = (
    NavPage("views/home.py", "Home", ":material/home:", default=True),
    NavPage("views/join.py", "Join a workshop", ":material/login:", "join"),
    NavPage("views/answer.py", "Your answers", ":material/edit_note:", "answer", hidden=True),
    # The re-rate round, reached from the answer page by the resume link while a re-rate is open.
    NavPage("views/rerate.py", "Re-rate", ":material/autorenew:", "rerate", hidden=True),
    NavPage("views/question_bank.py", "Question bank", ":material/quiz:", "question_bank"),
)
# Before sign-in the facilitator section offers only the way in.
SIGNED_OUT_PAGES = (NavPage("views/sign_in.py", "Facilitator sign-in", ":material/lock:", "sign_in"),)
FACILITATOR_PAGES = (
    NavPage("views/workshops.py", "Workshops", ":material/groups:", "workshops", facilitator_only=True),
    NavPage("views/results.py", "Team results", ":material/insights:", "results", facilitator_only=True),
    NavPage(
        "views/exports.py", "Exports and import", ":material/download:", "exports", facilitator_only=True
    ),
    NavPage(
        "views/run_the_room.py",
        "Run the room",
        ":material/co_present:",
        "run_the_room",
        facilitator_only=True,
    ),
    # The projector's tab, opened from Run the room: not in the menu, which it hides anyway.
    NavPage(
        "views/present.py",
        "Projector",
        ":material/present_to_all:",
        "present",
        facilitator_only=True,
        hidden=True,
    ),
    NavPage("views/trends.py", "Trends", ":material/trending_up:", "trends", facilitator_only=True),
    NavPage("views/cohorts.py", "Compare a cohort", ":material/compare:", "cohorts", facilitator_only=True),
    NavPage(
        "views/cohort_admin.py",
        "Cohorts and partnerships",
        ":material/settings:",
        "cohort_admin",
        facilitator_only=True,
    ),
    NavPage(
        "views/bank_editor.py",
        "Edit question banks",
        ":material/edit_document:",
        "bank_editor",
        facilitator_only=True,
    ),
    # Running the team: administrators only (each page checks on every run).
    NavPage(
        "views/team.py",
        "Team",
        ":material/manage_accounts:",
        "team",
        facilitator_only=True,
        administrator_only=True,
    ),
    NavPage(
        "views/audit.py",
        "Audit log",
        ":material/history:",
        "audit",
        facilitator_only=True,
        administrator_only=True,
    ),
    NavPage("views/account.py", "My account", ":material/key:", "my_account", facilitator_only=True),
    # The same script as the sign-in page: signed in, it says who is signed in and signs out.
    # Not "Account": beside "My account" (the password) a facilitator could not tell them apart.
    NavPage("views/sign_in.py", "Sign out", ":material/logout:", "sign_in"),
)


def all_pages() -> tuple[NavPage, ...]:
    """Every page the app can ever offer, signed in or not."""
    return (*PARTICIPANT_PAGES, *SIGNED_OUT_PAGES, *FACILITATOR_PAGES)


def menu(*, signed_in: bool, administrator: bool = False) -> list[st.Page]:
    """The pages for st.navigation. Facilitator pages are in the menu only once signed in.

    One flat list, not sections: Streamlit draws a section's header and links inside a <div>
    placed directly in the menu's <ul> (ul > div > header, li), which breaks the list for screen
    readers (axe-core's "list" and "listitem" rules, both serious). Without sections nothing is
    lost for participants: the facilitator pages are listed only to a signed-in facilitator.

    Signed out, the facilitator pages are still there, hidden from the menu: their addresses
    (a refresh, a bookmark, the projector's second tab) open the page, which says "Sign in to
    continue" and shows nothing else (each checks on every run), instead of "Page not found".
    """
    return [p.page() for p in menu_entries(signed_in=signed_in, administrator=administrator)]


def menu_entries(*, signed_in: bool, administrator: bool = False) -> list[NavPage]:
    """The pages ``menu`` offers, as data. Administrators' pages are listed only to an
    administrator; to anyone else they are hidden, and refuse when opened by their address."""
    if signed_in:
        return [
            *PARTICIPANT_PAGES,
            *(
                replace(p, hidden=True) if p.administrator_only and not administrator else p
                for p in FACILITATOR_PAGES
            ),
        ]
    hidden = [replace(p, hidden=True, default=False) for p in FACILITATOR_PAGES if p.facilitator_only]
    return [*PARTICIPANT_PAGES, *SIGNED_OUT_PAGES, *hidden]
