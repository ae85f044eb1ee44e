"""The README is a newcomer's guide: what it says about the code must stay true of the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from assessment.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _code_block_after(heading: str) -> str:
    section = README.split(heading, 1)[1]
    return section.split("```", 2)[1]


def _cli_examples() -> list[str]:
    return [
        line.split("#", 1)[0].strip()
        for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S)
        for line in block.splitlines()
        if line.startswith("$py ")
    ]


def test_the_readme_shows_command_line_examples_at_all() -> None:
    assert len(_cli_examples()) >= 15


@pytest.mark.parametrize("example", _cli_examples())
def test_every_command_line_example_in_the_readme_parses_with_the_real_parser(example: str) -> None:
    # "[--round R2]" marks an optional part and "open|close|reveal" a choice: the example is
    # tried with every optional part and with each choice.
    required = re.sub(r"\s*\[[^\]]*\]", "", example)
    with_optional = re.sub(r"\[([^\]]*)\]", r"\1", example)
    for form in {required, with_optional}:
        words = shlex.split(form)[1:]  # drop "$py"
        for choice_at, word in enumerate(words):
            if "|" in word and not word.startswith("-"):
                for choice in word.split("|"):
                    build_parser().parse_args([*words[:choice_at], choice, *words[choice_at + 1 :]])
                break
        else:
            build_parser().parse_args(words)


def test_the_readme_map_of_files_names_only_files_that_exist_and_every_domain_module() -> None:
    block = _code_block_after("## Where things live")
    named, folder = [], ""
    for line in block.splitlines():
        match = re.match(r"^(\s*)(\S+\.(?:py|yaml)|\S+/)\s", line + " ")
        if not match:
            continue
        indent, name = match.groups()
        if not indent:
            folder = name if name.endswith("/") else ""
            named.append(name)
        else:
            named.append(folder + name)
    missing = [name for name in named if not (ROOT / name).exists()]
    assert not missing, f"the README names {missing}, which are not in the tree"
    modules = {
        f"assessment/{path.name}"
        for path in (ROOT / "assessment").glob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    }
    unmapped = sorted(modules - set(named))
    assert not unmapped, f"the README's map leaves out {unmapped}"


def test_there_is_no_pages_folder_beside_the_app() -> None:
    # Streamlit 1.67 switches to its legacy multipage mode when a folder named pages/ sits beside
    # the main script: streamlit/runtime/pages_manager.py, PagesManager.__init__ (lines 52-63),
    # sets `uses_pages_directory = Path(self.main_script_parent / "pages").exists()`, and the
    # app's own st.navigation menu would then be joined by one made from that folder.
    assert not (ROOT / "pages").exists()
