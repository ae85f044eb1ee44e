"""The security review, storage side: a password given to the command line is kept only as an
argon2 hash, on SQLite and PostgreSQL, and never printed or logged; and no secret is in the files
git tracks (or would track on the next `git add`).
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from assessment.auth import SignInRefused, sign_in
from assessment.db import transaction
from assessment.db.tables import Facilitator
from tests.conftest import PROJECT_ROOT
from tests.corpus import snapshot
from tests.storage.cli_helpers import run, url

# --- passwords given to the command line -------------------------------------------------------------

PASSWORD = "Cormorant-Basalt-4418-cli"
OTHER_PASSWORD = "Guillemot-Jasper-9052-pipe"
SHORT_PASSWORD = "Tern-31!"  # too short: refused, and the refusal must not repeat it
WRONG_PASSWORD = "Puffin-Marble-6630-wrong"


def test_a_password_given_to_the_cli_is_stored_only_as_an_argon2_hash_and_never_printed_or_logged(
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # every statement and its parameters
    db = url(engine)
    outputs: dict[str, str] = {}

    # In process, the password on standard input as a script would pipe it.
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = run(capsys, "facilitator", "add", "cli@riverside.nhs.uk", "--db", db)
    assert code == 0, err
    outputs |= {"add stdout": out, "add stderr": err}
    monkeypatch.setattr(sys, "stdin", io.StringIO(SHORT_PASSWORD + "\n"))
    code, out, err = run(capsys, "facilitator", "add", "short@riverside.nhs.uk", "--db", db)
    assert code == 2 and "at least 10 characters" in err
    outputs |= {"refused stdout": out, "refused stderr": err}
    code, out, err = run(capsys, "facilitator", "list", "--json", "--db", db)
    assert code == 0 and "cli@riverside.nhs.uk" in out
    outputs |= {"list stdout": out, "list stderr": err}

    # As a separate process, as a person runs it: `printf 'pw\n' | python -m assessment facilitator add`.
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    added = subprocess.run(
        [sys.executable, "-m", "assessment", "facilitator", "add", "pipe@riverside.nhs.uk", "--db", db],
        input=OTHER_PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    assert "facilitator pipe@riverside.nhs.uk added" in added.stdout
    outputs |= {"subprocess stdout": added.stdout, "subprocess stderr": added.stderr}

    # Signing in, wrongly then rightly, writes its audit rows too.
    with pytest.raises(SignInRefused), transaction(engine) as session:
        sign_in(session=session, email="cli@riverside.nhs.uk", password=WRONG_PASSWORD)
    with transaction(engine) as session:
        assert sign_in(session=session, email="cli@riverside.nhs.uk", password=PASSWORD) > 0

    with transaction(engine) as session:
        hashes = session.scalars(select(Facilitator.password_hash).order_by(Facilitator.id)).all()
    assert len(hashes) == 2  # the refused account was never made
    for stored in hashes:
        assert re.fullmatch(r"\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", stored)
    assert "INSERT INTO facilitators" in caplog.text  # the SQL log really was captured
    places = {"database": repr(snapshot(engine)), "logs": caplog.text, **outputs}
    secrets = [PASSWORD, OTHER_PASSWORD, SHORT_PASSWORD, WRONG_PASSWORD]
    found = [(where, secret) for where, text in places.items() for secret in secrets if secret in text]
    assert not found, found
    # The scan finds what is there: each hash is in the database.
    assert all(stored in places["database"] for stored in hashes)


# --- secrets in the repository -----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str


PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
# scheme://user:password@host, for any database or broker scheme (postgresql+psycopg, mysql, redis...).
INLINE_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"`]+:(?P<password>[^\s/@'\"`]+)@")
# The README and --help show the shape of a URL with these stand-ins, never a real password.
PLACEHOLDER_PASSWORDS = frozenset({"password", "pass", "pw", "secret", "***", "xxx", "PASSWORD"})
AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")
AWS_SECRET_KEY = re.compile(r"aws_secret_access_key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}", re.IGNORECASE)
OTHER_TOKENS = {
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
}
ENV_FILE = re.compile(r"(?:^|/)\.env(?:\.(?!example$|sample$|template$)[^/]+)?$")
SECRET_FILES = re.compile(
    r"(?:^|/)(?:secrets\.toml|id_(?:rsa|dsa|ecdsa|ed25519)|[^/]+\.(?:pem|key|p12|pfx))$"
)


def scan_text(path: str, text: str) -> list[Finding]:
    """Every secret-looking thing in one file's text. Fixture passwords in database URLs are allowed
    under tests/ only; keys are never allowed anywhere."""
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if PRIVATE_KEY.search(line):
            findings.append(Finding(path, number, "private key"))
        if AWS_ACCESS_KEY.search(line) or AWS_SECRET_KEY.search(line):
            findings.append(Finding(path, number, "AWS key"))
        for what, pattern in OTHER_TOKENS.items():
            if pattern.search(line):
                findings.append(Finding(path, number, what))
        if not path.startswith("tests/"):
            for match in INLINE_PASSWORD.finditer(line):
                password = match.group("password")
                if password not in PLACEHOLDER_PASSWORDS and not password.startswith(("$", "<", "{")):
                    findings.append(Finding(path, number, "password in a URL"))
    return findings


def scan_files(root: Path, paths: Iterable[str]) -> list[Finding]:
    findings: list[Finding] = []
    for path in paths:
        if ENV_FILE.search(path):
            findings.append(Finding(path, 0, ".env file"))
        if SECRET_FILES.search(path):
            findings.append(Finding(path, 0, "secrets file"))
        file = root / path
        if not file.is_file():  # deleted in the working tree but still in the index
            continue
        findings.extend(scan_text(path, file.read_bytes().decode("utf-8", errors="replace")))
    return findings


def git() -> str:
    found = shutil.which("git")
    assert found, "git is needed to list the repository's files"
    return found


def files_git_would_commit(root: Path = PROJECT_ROOT) -> list[str]:
    """What git tracks, and what a plain `git add .` would add (untracked, not ignored)."""
    listed = subprocess.run(
        [git(), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return sorted({p for p in listed.stdout.decode("utf-8").split("\0") if p})


def test_no_file_in_the_repository_holds_a_private_key_an_env_file_a_database_password_or_a_cloud_key() -> (
    None
):
    paths = files_git_would_commit()
    assert "assessment/cli.py" in paths and "README.md" in paths  # git really listed the project
    assert scan_files(PROJECT_ROOT, paths) == []


# Planted secrets are assembled from pieces, so this file itself never holds one to be found.
BEGIN, KEY = "-----BEGIN ", "PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("path", "text", "what"),
    [
        ("deploy/server.txt", BEGIN + "RSA " + KEY + "\nMIIEow...\n", "private key"),
        ("notes.md", BEGIN + "OPENSSH " + KEY, "private key"),
        ("notes.md", BEGIN + KEY, "private key"),
        ("app.cfg", "url = postgresql+psycopg://ics:Hunter2-real@db.internal:5432/ics", "password in a URL"),
        ("Makefile", "DATABASE_URL=postgresql://admin:s3cr3t@10.0.0.5/ics make run", "password in a URL"),
        ("config.py", "REDIS = 'redis://default:longpassword@cache:6379/0'", "password in a URL"),
        ("ci.yml", "AWS_ACCESS_KEY_ID: AKIA" + "IOSFODNN7EXAMPLE", "AWS key"),
        ("ci.yml", "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS key"),
        ("tests/fixture.py", BEGIN + "EC " + KEY, "private key"),
        ("script.sh", "TOKEN=ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "GitHub token"),
    ],
)
def test_the_scanner_finds_each_kind_of_secret_planted_in_a_file(path: str, text: str, what: str) -> None:
    assert [f.what for f in scan_text(path, text)] == [what]


def test_the_scanner_allows_placeholders_in_documentation_and_fixture_passwords_only_under_tests() -> None:
    assert (
        scan_text("README.md", "export DATABASE_URL=postgresql+psycopg://user:password@host:5432/ics") == []
    )
    assert scan_text("assessment/cli.py", 'help="e.g. postgresql+psycopg://user:pw@host/db"') == []
    assert scan_text("docs/deploy.md", "postgresql://ics:${DB_PASSWORD}@db/ics") == []
    fixture = 'run("init", "--db", "postgresql+psycopg://nobody:wrong@127.0.0.1:9/none")'
    assert scan_text("tests/storage/test_cli_storage.py", fixture) == []
    assert [f.what for f in scan_text("assessment/settings.py", fixture)] == ["password in a URL"]


def test_the_scanner_finds_env_and_key_files_by_name_wherever_they_are(tmp_path: Path) -> None:
    planted = [".env", "deploy/.env.production", ".streamlit/secrets.toml", "certs/server.key", "id_ed25519"]
    allowed = [".env.example", "assessment/migrations/env.py", "docs/environment.md"]
    for path in planted + allowed:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("nothing secret inside\n", encoding="utf-8")
    assert sorted(f.path for f in scan_files(tmp_path, planted + allowed)) == sorted(planted)


def test_a_secret_committed_or_about_to_be_is_found_and_an_ignored_one_is_not(tmp_path: Path) -> None:
    def git_in(*args: str) -> None:
        subprocess.run([git(), *args], cwd=tmp_path, check=True, capture_output=True, timeout=60)

    git_in("init", "--quiet")
    files = {
        ".gitignore": "ignored/\n",
        "settings.py": "DB = 'postgresql://ics:Hunter2-real@db.internal/ics'\n",  # committed below
        "deploy/notes.txt": BEGIN + "RSA " + KEY + "\n",  # untracked: the next `git add .` takes it
        "ignored/local.txt": BEGIN + "RSA " + KEY + "\n",  # ignored: never committed
        "README.md": "nothing to see\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    git_in("add", "settings.py", "README.md")
    findings = scan_files(tmp_path, files_git_would_commit(tmp_path))
    assert sorted((f.path, f.what) for f in findings) == [
        ("deploy/notes.txt", "private key"),
        ("settings.py", "password in a URL"),
    ]


@pytest.mark.parametrize("path", [".env", "deploy/.env.production", ".streamlit/secrets.toml"])
def test_git_ignores_the_files_where_secrets_are_kept(path: str) -> None:
    ignored = subprocess.run(
        [git(), "check-ignore", "--no-index", "--quiet", path], cwd=PROJECT_ROOT, check=False, timeout=60
    )
    assert ignored.returncode == 0, f"{path} is not in .gitignore: a `git add .` would commit it"
