"""Evidence beside an agreed level: any note within its width is kept exactly as typed, and a
link is kept only when it is a web address (http or https); anything else is refused in words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.errors import Invalid
from assessment.outcomes import (
    EVIDENCE_LINK_CHARS,
    EVIDENCE_NOTE_CHARS,
    MAX_EVIDENCE_ITEMS,
    Evidence,
    checked_evidence,
    checked_link,
    is_web_link,
)

NOTES = st.text(min_size=1, max_size=EVIDENCE_NOTE_CHARS).filter(lambda t: "\x00" not in t and t.strip())


@given(note=NOTES)
def test_any_note_within_its_width_is_kept_exactly_as_typed(note: str) -> None:
    assert checked_evidence([Evidence(note=note, link="")]) == (Evidence(note=note, link=""),)


@given(
    host=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True),
    path=st.from_regex(
        r"(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,20}){0,4}(\?[A-Za-z0-9=&%]{0,20})?", fullmatch=True
    ),
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
)
def test_any_web_address_is_kept_exactly_as_typed(host: str, path: str, scheme: str) -> None:
    link = f"{scheme}://{host}{path}"
    assert checked_link(link) == link
    assert is_web_link(link)


@given(link=st.text(max_size=200))
def test_any_link_that_is_not_http_or_https_is_refused(link: str) -> None:
    scheme = link.strip().split(":", 1)[0].lower() if ":" in link else ""
    if not link.strip():
        assert checked_link(link) == ""
        return
    if scheme in {"http", "https"}:
        return  # the web addresses have their own test
    with pytest.raises(Invalid, match="http:// or https://"):
        checked_link(link)
    assert not is_web_link(link)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "ftp://example.org/report.pdf",
        "//example.org/no-scheme",
        "www.example.org",
        "http://",
        "https:///no-host",
        "http://exa mple.org/space",
        "https://example.org/\nnext-line",
        "http://example.org/\x00",
    ],
)
def test_scripts_data_and_other_addresses_are_refused_with_a_clear_message(link: str) -> None:
    with pytest.raises(Invalid) as refused:
        checked_link(link)
    assert "http:// or https://" in str(refused.value)
    assert not is_web_link(link)


def test_a_link_is_kept_without_the_spaces_around_it() -> None:
    assert checked_link("  https://example.org/board-minutes  ") == "https://example.org/board-minutes"


def test_a_note_too_long_or_holding_a_nul_is_refused_saying_which_item() -> None:
    with pytest.raises(Invalid, match=r"evidence item 2.*shorten it to 500"):
        checked_evidence([Evidence("fine", ""), Evidence("x" * (EVIDENCE_NOTE_CHARS + 1), "")])
    with pytest.raises(Invalid, match=r"evidence item 1.*NUL"):
        checked_evidence([Evidence("bad\x00note", "")])
    with pytest.raises(Invalid, match=r"evidence item 1.*link.*2,000"):
        checked_evidence([Evidence("long link", "https://example.org/" + "a" * EVIDENCE_LINK_CHARS)])


def test_a_link_without_a_note_is_refused_and_an_empty_row_is_dropped() -> None:
    with pytest.raises(Invalid, match=r"evidence item 1 has a link but no note"):
        checked_evidence([Evidence("   ", "https://example.org")])
    assert checked_evidence([Evidence("", ""), Evidence("  ", " "), Evidence("kept", "")]) == (
        Evidence("kept", ""),
    )


def test_more_items_than_the_limit_are_refused() -> None:
    with pytest.raises(Invalid, match=f"at most {MAX_EVIDENCE_ITEMS}"):
        checked_evidence([Evidence(f"note {n}", "") for n in range(MAX_EVIDENCE_ITEMS + 1)])


def test_a_link_hiding_a_right_to_left_override_is_refused() -> None:
    with pytest.raises(Invalid, match="http:// or https://"):
        checked_link("https://example.org/\u202egpj.exe")
