"""`python -m assessment ...`: the command line for facilitators and scripts.

Exit codes: 0 success, 2 bad input (every problem listed on stderr), 1 anything else.
A user's mistake never ends in a traceback; set ICS_DEBUG=1 to see one for a real fault.
Every command that reads or changes cohorts, partnerships, workshops or accounts goes through the
same services as the pages (``assessment.services``), as the operator: a rule a page keeps, the
command line keeps too, in the same words.
"""

from __future__ import annotations

import argparse
import getpass
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from assessment import settings
from assessment.db import PARTNERSHIP_KINDS, make_engine
from assessment.errors import Invalid, Refused
from assessment.framework import DEFAULT_BANK_PATH, BankValidationError, bank_as_json, load_bank
from assessment.lifecycle import Step
from assessment.migrate import DatabaseTooNew, current_revision, upgrade_database
from assessment.services import CLI_OPERATOR, Actor
from assessment.services import cohorts as cohort_services
from assessment.services import facilitators as facilitator_services
from assessment.services import workshops as workshop_services

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
CLI_ACTOR = CLI_OPERATOR
OPERATOR = Actor.operator()


class BadInput(Invalid):
    """A problem with what the user asked for; each line of ``problems`` is shown."""

    def __init__(self, *problems: str):
        self.problems = list(problems)
        super().__init__("; ".join(problems))


def _engine(args: argparse.Namespace) -> Engine:
    """The database the command works on, upgraded to this code's schema first."""
    engine = make_engine(args.db)
    upgrade_database(engine)
    return engine


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False))


# --- commands ------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    try:
        bank = load_bank(args.path)
    except BankValidationError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        noun = "problem" if len(exc.errors) == 1 else "problems"
        print(f"{args.path}: {len(exc.errors)} {noun} found; the bank is not valid", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(bank_as_json(bank))
    else:
        print(f"{args.path}: valid: {bank.summary()}")
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    engine = _engine(args)
    print(
        f"database ready at {engine.url.render_as_string(hide_password=True)} "
        f"(schema {current_revision(engine)})"
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from assessment.demo import load_demo  # imported here: only this command needs it

    summary = load_demo(engine=_engine(args), seed=args.seed)
    verb = "loaded" if summary.created else "already there, nothing added:"
    print(
        f"demo data {verb} cohort '{summary.cohort}', {summary.partnerships} partnerships, "
        f"{summary.workshops} workshops, {summary.participants} participants, {summary.answers} answers"
    )
    print("join codes: " + ", ".join(summary.join_codes))
    return EXIT_OK


def _cohort_create(args: argparse.Namespace) -> int:
    cohort_services.create(engine=_engine(args), actor=OPERATOR, name=args.name)
    print(f"cohort '{args.name.strip()}' created")
    return EXIT_OK


def _cohort_rename(args: argparse.Namespace) -> int:
    engine = _engine(args)
    found = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.name)
    cohort_services.rename(engine=engine, actor=OPERATOR, cohort_id=found, name=args.new_name)
    print(f"cohort '{args.name}' renamed to '{args.new_name.strip()}'")
    return EXIT_OK


def _cohort_archive(args: argparse.Namespace) -> int:
    engine = _engine(args)
    found = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.name)
    if cohort_services.archive(engine=engine, actor=OPERATOR, cohort_id=found):
        print(f"cohort '{args.name}' archived: hidden from the pages, nothing deleted")
    else:
        print(f"cohort '{args.name}' was already archived: nothing changed")
    return EXIT_OK


def _cohort_unarchive(args: argparse.Namespace) -> int:
    engine = _engine(args)
    found = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.name)
    if cohort_services.unarchive(engine=engine, actor=OPERATOR, cohort_id=found):
        print(f"cohort '{args.name}' unarchived: shown on the pages again")
    else:
        print(f"cohort '{args.name}' was not archived: nothing changed")
    return EXIT_OK


def _partnership_move(args: argparse.Namespace) -> int:
    engine = _engine(args)
    moving = cohort_services.find_partnership(
        engine=engine, actor=OPERATOR, name=args.name, cohort=args.cohort
    )
    target = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.to)
    cohort_services.move_partnership(engine=engine, actor=OPERATOR, partnership_id=moving, cohort_id=target)
    print(f"partnership '{args.name}' moved to '{args.to}'")
    return EXIT_OK


def _cohort_show(args: argparse.Namespace) -> int:
    from assessment.cohorts import cohort_document, earlier_rounds

    engine = _engine(args)
    found = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.name)
    comparison = cohort_services.compare(engine=engine, actor=OPERATOR, cohort_id=found)
    if args.json:
        _print_json(cohort_document(comparison))
        return EXIT_OK
    partnerships = comparison.partnerships
    print(
        f"{comparison.cohort}: {int((~partnerships['withheld']).sum())} of {len(partnerships)} "
        f"partnerships compared, each domain on the latest round that asked it"
    )
    if partnerships.empty:
        print("no partnerships yet: add one with `partnership create`")
    # overall current = the mean of the domain figures shown (withheld ones are NaN, left out)
    overall = comparison.domains.groupby("partnership_id")["current"].mean().to_dict()
    for row in partnerships.itertuples(index=False):
        mean = overall.get(row.partnership_id, math.nan)
        figure = "withheld" if row.withheld or math.isnan(mean) else f"{mean:.2f}"
        print(
            f"  {row.name!s:<40} {row.kind!s:<22} {row.round or 'no round'!s:<16} "
            f"{row.respondents:>4} respondents  {figure}"
        )
    for earlier in earlier_rounds(comparison):
        print(f"  from an earlier round: {earlier.words()}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from assessment.services import results as result_services  # the PDF code is slow to import

    if (args.workshop is None) == (args.cohort is None):
        raise BadInput("give either --workshop CODE with --out FILE, or --cohort NAME with --out-dir DIR")
    if args.workshop is not None:
        if not args.out:
            raise BadInput("--workshop needs --out FILE.pdf")
        engine = _engine(args)
        workshop = workshop_services.find_workshop(engine=engine, actor=OPERATOR, join_code=args.workshop)
        pdf = result_services.summary_pdf(
            engine=engine, actor=OPERATOR, workshop_id=workshop.id, charts=not args.no_charts
        )
        _write_file(Path(args.out), pdf.content)
        if pdf.charts_problem:
            print(pdf.charts_problem, file=sys.stderr)
        print(f"wrote {args.out}", file=sys.stderr)
        return EXIT_OK
    if not args.out_dir:
        raise BadInput("--cohort needs --out-dir DIR")
    from tqdm import tqdm

    out_dir = Path(args.out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the folder {out_dir}: {exc.strerror}") from exc
    engine = _engine(args)
    cohort = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.cohort)
    with tqdm(unit="pdf", file=sys.stderr, disable=None) as bar:

        def moved(done: int, total: int, what: str) -> None:
            bar.total = total
            bar.n = done
            bar.set_description_str(what[:40])
            bar.refresh()
            if bar.disable and done < total:  # not a terminal (a log, a pipe): one line per file
                print(f"{done + 1}/{total} {what}", file=sys.stderr)

        pack = result_services.cohort_pack_files(
            engine=engine, actor=OPERATOR, cohort_id=cohort, charts=not args.no_charts, progress=moved
        )
        written = [_write_file(out_dir / file.filename, file.content) for file in pack]
    print(f"wrote {len(written)} PDFs to {out_dir}", file=sys.stderr)
    return EXIT_OK


def _write_file(path: Path, content: bytes) -> Path:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from exc
    return path


def _partnership_create(args: argparse.Namespace) -> int:
    engine = _engine(args)
    cohort = cohort_services.find_cohort(engine=engine, actor=OPERATOR, name=args.cohort)
    parent = (
        cohort_services.find_partnership(engine=engine, actor=OPERATOR, name=args.parent, cohort=args.cohort)
        if args.parent
        else None
    )
    cohort_services.add_partnership(
        engine=engine, actor=OPERATOR, cohort_id=cohort, name=args.name, kind=args.kind, parent_id=parent
    )
    print(f"partnership '{args.name.strip()}' ({args.kind}) created in '{args.cohort}'")
    return EXIT_OK


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--date must be a date as YYYY-MM-DD, got '{value}'") from None


def _workshop_create(args: argparse.Namespace) -> int:
    held_on = _parse_date(args.date)
    bank_path = Path(args.bank) if args.bank else settings.current().bank_path
    load_bank(bank_path)  # refuse a broken bank with its own precise errors before touching the database
    domains = [d.strip() for d in args.domains.split(",") if d.strip()] if args.domains else None
    engine = _engine(args)
    partnership = cohort_services.find_partnership(
        engine=engine, actor=OPERATOR, name=args.partnership, cohort=args.cohort
    )
    workshop = workshop_services.create_workshop(
        engine=engine,
        actor=OPERATOR,
        partnership_id=partnership,
        title=args.title,
        held_on=held_on,
        round_label=args.round,
        domains=domains,
        anonymous=not args.named,
        bank_yaml=bank_path.read_text(encoding="utf-8-sig"),
    )
    print(workshop.join_code)
    return EXIT_OK


def _workshop_list(args: argparse.Namespace) -> int:
    workshops = workshop_services.visible_workshops(engine=_engine(args), actor=OPERATOR)
    if args.json:
        _print_json([asdict(w) for w in workshops])
        return EXIT_OK
    if not workshops:
        print("no workshops yet: create one with `workshop create`, or load sample data with `demo`")
    for w in workshops:
        print(
            f"{w.join_code}  {w.date}  {w.status:<6}  {w.respondents:>3} respondents  "
            f"{w.partnership} / {w.title}" + (f" ({w.round})" if w.round else "")
        )
    return EXIT_OK


def _workshop_step(step: Step, verb: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        engine = _engine(args)
        workshop = workshop_services.find_workshop(engine=engine, actor=OPERATOR, join_code=args.code)
        workshop_services.take_step(engine=engine, actor=OPERATOR, workshop_id=workshop.id, step=step)
        print(f"workshop {workshop.join_code} {verb}")
        return EXIT_OK

    return run


def _import(args: argparse.Namespace) -> int:
    from assessment.io import MAX_IMPORT_BYTES, ImportRejected
    from assessment.services import answer_files

    path = Path(args.file)
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise BadInput(f"{path}: the file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    engine = _engine(args)
    workshop = workshop_services.find_workshop(engine=engine, actor=OPERATOR, join_code=args.workshop)
    try:
        summary = answer_files.import_answers(
            engine=engine,
            actor=OPERATOR,
            workshop_id=workshop.id,
            content=path.read_bytes(),
            filename=path.name,
        )
    except ImportRejected as exc:
        raise BadInput(
            *(f"{path.name}: {p}" for p in exc.problems), f"{path.name}: nothing was imported"
        ) from None
    print(
        f"imported {summary.answers} answers from {summary.participants} participants "
        f"into {workshop.join_code}"
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from assessment.io import RAW_EXPORT_WARNING
    from assessment.services import answer_files

    if args.format == "xlsx" and not args.out and sys.stdout.isatty():
        raise BadInput("an Excel export is binary: give --out FILE.xlsx")
    engine = _engine(args)
    workshop = workshop_services.find_workshop(engine=engine, actor=OPERATOR, join_code=args.workshop)
    content = answer_files.export_answers(
        engine=engine, actor=OPERATOR, workshop_id=workshop.id, fmt=args.format
    )
    # On stderr, so a file written through standard output holds only the answers.
    print(f"warning: {RAW_EXPORT_WARNING}", file=sys.stderr)
    if args.out:
        Path(args.out).write_bytes(content)
        print(f"exported {workshop.join_code} to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    return EXIT_OK


def _scores(args: argparse.Namespace) -> int:
    from assessment.services import results as result_services

    engine = _engine(args)
    workshop = workshop_services.find_workshop(engine=engine, actor=OPERATOR, join_code=args.workshop)
    document = result_services.workshop_scores(engine=engine, actor=OPERATOR, workshop_id=workshop.id)
    if args.json:
        _print_json(document)
        return EXIT_OK
    print(
        f"{document['workshop']['partnership']} / {document['workshop']['title']}: "
        f"{document['respondents']} respondents (submitted, of {document['joined']} who joined)"
    )
    from assessment.services.operations import answers_deleted_on

    deleted_on = answers_deleted_on(engine=engine, actor=OPERATOR, workshop_id=workshop.id)
    if deleted_on is not None:
        print(
            f"its individual answers were deleted by retention on {deleted_on.isoformat()}: its figures "
            "are kept in trends and cohort comparisons (`cohort show`), not here"
        )
        return EXIT_OK
    if document["withheld"]:
        print(f"fewer than {document['anonymity_threshold']} respondents: every figure is withheld")
        return EXIT_OK
    overall = document["overall"]
    if overall["current"] is None:
        # every domain withheld, or all "don't know": there is no figure to print, and no crash
        print("overall: withheld (no domain has a question rated by enough people)")
    else:
        print(
            f"overall: current {overall['current']:.2f}, target {overall['target']:.2f}, "
            f"gap {overall['gap']:.2f} (the mean of {document['overall_domains']} shown domains)"
        )
    for d in document["domains"]:
        figures = "withheld" if d["current"] is None else f"{d['current']:.2f} -> {d['target']:.2f}"
        print(f"  {d['title']:<60} {figures}")
    rerate = document["rerate"]
    if rerate is not None:
        tally = rerate["overall"]
        state = "open" if rerate["open"] else "finished"
        print(
            f"re-rate ({state}): converged on {tally['converged']} of {tally['questions']} questions "
            f"re-rated, diverged on {tally['diverged']}, unchanged on {tally['unchanged']} "
            "(--json has both rounds)"
        )
    return EXIT_OK


def _read_new_password(prompt: str = "Password for the new account: ", command: str = "add") -> str:
    """A new password: asked twice at a terminal, else one line of standard input.

    Never an argument or an environment variable, where it would linger in shell history and ps.
    """
    if sys.stdin.isatty():
        try:
            first = getpass.getpass(prompt)
            second = getpass.getpass("The same password again: ")
        except EOFError:
            raise BadInput("no password given; nothing was added") from None
        if first != second:
            raise BadInput("the two passwords differ; nothing was added: run the command again")
        return first
    line = sys.stdin.readline()
    if not line:
        raise BadInput(
            "no password on standard input; pipe one line, e.g. "
            f"printf 'password\\n' | python -m assessment facilitator {command} EMAIL"
        )
    return line.removesuffix("\n").removesuffix("\r")


def _facilitator_add(args: argparse.Namespace) -> int:
    password = _read_new_password()
    email = facilitator_services.create_facilitator(
        engine=_engine(args), actor=OPERATOR, email=args.email, password=password
    )
    print(f"facilitator {email} added")
    return EXIT_OK


def _facilitator_password(args: argparse.Namespace) -> int:
    password = _read_new_password("New password: ", "password")
    email = facilitator_services.change_password(
        engine=_engine(args), actor=OPERATOR, email=args.email, password=password
    )
    print(f"password of {email} changed; every browser signed in with it is signed out")
    return EXIT_OK


def _facilitator_remove(args: argparse.Namespace) -> int:
    email = facilitator_services.remove_facilitator(
        engine=_engine(args), actor=OPERATOR, email=args.email, give_cohorts_to=args.give_cohorts_to
    )
    heir = (
        ""
        if args.give_cohorts_to is None
        else f"; their cohorts now belong to {args.give_cohorts_to.strip().lower()}"
    )
    print(f"facilitator {email} removed{heir}")
    return EXIT_OK


def _facilitator_list(args: argparse.Namespace) -> int:
    engine = _engine(args)
    facilitators = facilitator_services.list_facilitators(engine=engine, actor=OPERATOR)
    standing = {m.id: m for m in facilitator_services.team(engine=engine, actor=OPERATOR)}
    if args.json:
        _print_json(
            [
                {
                    **asdict(f),
                    "administrator": standing[f.id].administrator if f.id in standing else False,
                    "disabled": standing[f.id].disabled_at is not None if f.id in standing else False,
                }
                for f in facilitators
            ]
        )
        return EXIT_OK
    if not facilitators:
        print("no facilitators yet: add one with `facilitator add EMAIL`")
    for f in facilitators:
        member = standing.get(f.id)
        notes = [f"added {f.created_at[:10]}"]
        if member is not None and member.administrator:
            notes.append("administrator")
        if member is not None and member.disabled_at is not None:
            notes.append(f"disabled {member.disabled_at:%Y-%m-%d}")
        print(f"{f.id:>4}  {f.email}  ({', '.join(notes)})")
    return EXIT_OK


def _account_id(engine: Any, email: str) -> int:
    """The id of the account with this email (any case), or BadInput naming it."""
    wanted = email.strip().lower()
    for member in facilitator_services.team(engine=engine, actor=OPERATOR):
        if member.email == wanted:
            return member.id
    raise BadInput(f"there is no facilitator account {wanted}: see `facilitator list`")


def _facilitator_disable(args: argparse.Namespace) -> int:
    """`disable` and `enable`: which one is in the command's name."""
    engine = _engine(args)
    disabling = args.action == "disable"
    email = facilitator_services.set_disabled(
        engine=engine, actor=OPERATOR, facilitator_id=_account_id(engine, args.email), disabled=disabling
    )
    if disabling:
        print(f"facilitator {email} disabled; every browser signed in with it is signed out")
    else:
        print(f"facilitator {email} enabled: it can sign in again")
    return EXIT_OK


def _facilitator_administrator(args: argparse.Namespace) -> int:
    engine = _engine(args)
    email = facilitator_services.set_administrator(
        engine=engine,
        actor=OPERATOR,
        facilitator_id=_account_id(engine, args.email),
        administrator=not args.revoke,
    )
    print(f"facilitator {email} is {'no longer ' if args.revoke else ''}an administrator")
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from assessment.operations import run_doctor

    checks = run_doctor(args.db, charts=not args.no_charts)
    for check in checks:
        print(check.line())
    failed = sum(not check.ok for check in checks)
    if failed:
        noun = "check" if failed == 1 else "checks"
        print(f"{failed} {noun} of {len(checks)} need fixing: see the lines marked FIX", file=sys.stderr)
        return EXIT_FAILURE
    print(f"all {len(checks)} checks passed")
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    from assessment.db.operations import backup_database

    engine = make_engine(args.db)  # backed up as it is, not upgraded first
    done = backup_database(engine=engine, target=Path(args.file))
    print(
        f"backed up {engine.url.render_as_string(hide_password=True)} (schema {done.revision}) "
        f"to {done.path} with {done.tool}"
    )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from assessment.db.operations import restore_database

    engine = make_engine(args.db)
    done = restore_database(engine=engine, source=Path(args.file), force=args.force)
    print(
        f"restored {engine.url.render_as_string(hide_password=True)} from {done.path} "
        f"(schema {done.revision}, now {current_revision(engine)}) with {done.tool}"
    )
    return EXIT_OK


def _retention(args: argparse.Namespace) -> int:
    from assessment.services.operations import apply_retention

    found = apply_retention(
        engine=_engine(args), actor=OPERATOR, older_than_months=args.older_than_months, dry_run=args.dry_run
    )
    for r in found.rounds:
        print(
            f"{r.join_code}  closed {r.closed_on.isoformat()}  {r.participants:>4} participants  "
            f"{r.partnership} / {r.title}"
        )
    rounds = len(found.rounds)
    what = f"{found.participants} participants' answers in {rounds} {'round' if rounds == 1 else 'rounds'}"
    if not rounds:
        print(f"no round closed before {found.cutoff.isoformat()} still holds answers: nothing to delete")
    elif args.dry_run:
        print(f"would delete {what} closed before {found.cutoff.isoformat()} (dry run: nothing deleted)")
    else:
        print(
            f"deleted {what} closed before {found.cutoff.isoformat()}; "
            "their figures stay for trends and cohorts"
        )
    return EXIT_OK


# --- the parser ----------------------------------------------------------------------------------


Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        metavar="URL",
        help="database URL, e.g. postgresql+psycopg://user:pw@host/db "
        "(default: DATABASE_URL, else data/ics_readiness.db)",
    )

    parser = argparse.ArgumentParser(
        prog="python -m assessment",
        description="ICS Readiness: question banks, workshops and their figures from the command line.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="check a question bank file",
        description=(
            "Check a question bank YAML file. Prints a one-line summary and exits 0 when it is "
            "valid; prints one line per problem on stderr and exits 2 when it is not."
        ),
    )
    validate.add_argument(
        "path",
        nargs="?",
        default=str(DEFAULT_BANK_PATH),
        help="the bank file (default: the shipped questions.yaml)",
    )
    validate.add_argument("--json", action="store_true", help="print the whole parsed bank as JSON on stdout")
    validate.set_defaults(handler=_validate)

    init = commands.add_parser(
        "init",
        parents=[db],
        help="create or upgrade the database",
        description="Create the database, or upgrade it to this version's schema.",
    )
    init.set_defaults(handler=_init)

    doctor = commands.add_parser(
        "doctor",
        parents=[db],
        help="check this installation and say what to fix",
        description="Check the database (reachable, schema up to date), the data folder, the PDF maker "
        "(Typst) and its fonts, and the browser that draws the PDF's charts. One line per check: "
        "OK, or what to fix. Exits 1 when any check fails. Changes nothing.",
    )
    doctor.add_argument(
        "--no-charts", action="store_true", help="skip the chart browser check (it starts a browser)"
    )
    doctor.set_defaults(handler=_doctor)

    backup = commands.add_parser(
        "backup",
        parents=[db],
        help="back up the whole database to a new file",
        description="Back up the whole database to FILE, a new file (an existing one is never "
        "overwritten). SQLite: Python's online backup API, safe while the app runs; the backup is "
        "one SQLite file. PostgreSQL: pg_dump --format=custom (install postgresql-client, the "
        "server's major version or newer). The backup holds every answer: keep it as private as "
        "the database.",
    )
    backup.add_argument("file", metavar="FILE", help="the backup file to write")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore",
        parents=[db],
        help="replace the database with a backup",
        description="Replace the database with a backup made by `backup` (SQLite: the backup "
        "file; PostgreSQL: pg_restore of the pg_dump file), then upgrade it to this version's "
        "schema. Refuses a file that is not a backup of this app, and a database that holds "
        "anything unless --force. Stop the app's servers first.",
    )
    restore.add_argument("file", metavar="FILE", help="the backup file to restore")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that holds data (it is lost)"
    )
    restore.set_defaults(handler=_restore)

    retention = commands.add_parser(
        "retention",
        parents=[db],
        help="delete the individual answers of rounds closed long ago",
        description="Delete the participants, with their answers, comments and re-rate answers, of "
        "every workshop closed more than N months ago; each round's team figures are stored first, "
        "so trends and cohort comparisons show the same figures afterwards. A workshop's own results "
        "page then has no answers to show. Take a backup first; --dry-run lists what would go.",
    )
    retention.add_argument(
        "--older-than-months", type=int, required=True, metavar="N", help="closed more than N months ago"
    )
    retention.add_argument("--dry-run", action="store_true", help="list the rounds, delete nothing")
    retention.set_defaults(handler=_retention)

    demo = commands.add_parser(
        "demo",
        parents=[db],
        help="load realistic sample data",
        description="Load a sample cohort: an ICS and two places, three rounds each. "
        "Running it again adds nothing.",
    )
    demo.add_argument(
        "--seed", type=int, default=1, help="the random seed (default 1); the same seed gives the same data"
    )
    demo.set_defaults(handler=_demo)

    facilitator = commands.add_parser(
        "facilitator",
        help="manage facilitator accounts",
        description="Manage the accounts facilitators sign in with.",
    )
    facilitator_commands = facilitator.add_subparsers(dest="action", metavar="ACTION", required=True)
    # Each account command names the account by its email address.
    accounts: tuple[tuple[str, str, str, Handler], ...] = (
        (
            "add",
            "add a facilitator account",
            "Add a facilitator account. The password is asked twice at a terminal; "
            "from a script, give it as one line on standard input. It needs at least 10 characters.",
            _facilitator_add,
        ),
        (
            "password",
            "give an account a new password",
            "Give a facilitator account a new password (asked twice at a terminal; from a "
            "script, one line on standard input). Every browser signed in to the account is signed out.",
            _facilitator_password,
        ),
        (
            "remove",
            "remove a facilitator account",
            "Remove a facilitator account and sign it out of every browser. Cohorts it owns "
            "go to the account named with --give-cohorts-to (required when it owns any).",
            _facilitator_remove,
        ),
        (
            "disable",
            "stop an account signing in",
            "Disable a facilitator account: it cannot sign in, by password or single sign-on, and "
            "every browser signed in with it is signed out. Its cohorts and workshops stay. Never "
            "the last administrator.",
            _facilitator_disable,
        ),
        (
            "enable",
            "let a disabled account sign in again",
            "Enable a disabled facilitator account again.",
            _facilitator_disable,
        ),
        (
            "administrator",
            "make an account an administrator",
            "Make a facilitator account an administrator, who runs the team in the app (Team, "
            "Audit log); with --revoke, no longer one. There is always at least one.",
            _facilitator_administrator,
        ),
    )
    account_commands: dict[str, argparse.ArgumentParser] = {}
    for action, text, description, handler in accounts:
        command = facilitator_commands.add_parser(action, parents=[db], help=text, description=description)
        command.add_argument("email", metavar="EMAIL", help="the facilitator's email address")
        command.set_defaults(handler=handler)
        account_commands[action] = command
    account_commands["remove"].add_argument(
        "--give-cohorts-to", metavar="EMAIL", help="the account that takes over the cohorts it owns"
    )
    account_commands["administrator"].add_argument(
        "--revoke", action="store_true", help="take the administrator's role away instead"
    )
    facilitator_list = facilitator_commands.add_parser(
        "list",
        parents=[db],
        help="list facilitator accounts",
        description="List every facilitator account, oldest first (never a password).",
    )
    facilitator_list.add_argument("--json", action="store_true", help="print a JSON list")
    facilitator_list.set_defaults(handler=_facilitator_list)

    cohort = commands.add_parser(
        "cohort", help="manage cohorts", description="Manage cohorts of partnerships."
    )
    cohort_commands = cohort.add_subparsers(dest="action", metavar="ACTION", required=True)
    # Each cohort command names the cohort. Renaming and (un)archiving are the operator's for every
    # cohort; for a team-wide cohort, which belongs to every facilitator, only here, never from a
    # facilitator's page.
    cohort_table: tuple[tuple[str, str, str, str, Handler], ...] = (
        ("create", "the cohort's name", "create a cohort", "Create a cohort.", _cohort_create),
        (
            "rename",
            "the cohort's name now",
            "rename a cohort",
            "Rename a cohort, team-wide ones included (the pages let only a cohort's owner).",
            _cohort_rename,
        ),
        (
            "archive",
            "the cohort's name",
            "archive a cohort",
            "Hide a cohort from the pages, team-wide ones included; nothing is deleted.",
            _cohort_archive,
        ),
        (
            "unarchive",
            "the cohort's name",
            "unarchive a cohort",
            "Show an archived cohort on the pages again, team-wide ones included.",
            _cohort_unarchive,
        ),
        (
            "show",
            "the cohort's name",
            "compare a cohort's partnerships",
            "Each partnership's latest round side by side: respondents and the mean current "
            "level over its domains, anonymity threshold applied.",
            _cohort_show,
        ),
    )
    cohort_parsers: dict[str, argparse.ArgumentParser] = {}
    for action, name_text, text, description, handler in cohort_table:
        command = cohort_commands.add_parser(action, parents=[db], help=text, description=description)
        command.add_argument("name", help=name_text)
        command.set_defaults(handler=handler)
        cohort_parsers[action] = command
    cohort_parsers["rename"].add_argument("new_name", metavar="NEW_NAME", help="its new name")
    cohort_parsers["show"].add_argument(
        "--json", action="store_true", help="every figure, unrounded, with the cohort median and quartiles"
    )

    partnership = commands.add_parser(
        "partnership", help="manage partnerships", description="Manage the partnerships of a cohort."
    )
    partnership_commands = partnership.add_subparsers(dest="action", metavar="ACTION", required=True)
    partnership_create = partnership_commands.add_parser(
        "create", parents=[db], help="create a partnership", description="Create a partnership in a cohort."
    )
    partnership_create.add_argument("name", help="the partnership's name")
    partnership_create.add_argument("--cohort", required=True, help="the cohort it belongs to")
    partnership_create.add_argument(
        "--kind", required=True, choices=PARTNERSHIP_KINDS, help="what kind of partnership"
    )
    partnership_create.add_argument(
        "--parent", help="for a place or neighbourhood: its ICS partnership's name"
    )
    partnership_create.set_defaults(handler=_partnership_create)
    partnership_move = partnership_commands.add_parser(
        "move",
        parents=[db],
        help="move a partnership to another cohort",
        description="Move a partnership, with its workshops, to another cohort (also out of a team-wide "
        "cohort, which the pages refuse).",
    )
    partnership_move.add_argument("name", help="the partnership's name")
    partnership_move.add_argument("--cohort", help="the cohort it is in, when several share the name")
    partnership_move.add_argument("--to", required=True, metavar="COHORT", help="the cohort to move it to")
    partnership_move.set_defaults(handler=_partnership_move)

    workshop = commands.add_parser(
        "workshop", help="manage workshops", description="Create, list, open, close and reveal workshops."
    )
    workshop_commands = workshop.add_subparsers(dest="action", metavar="ACTION", required=True)
    workshop_create = workshop_commands.add_parser(
        "create",
        parents=[db],
        help="create a workshop and print its join code",
        description="Create a workshop for a partnership and print its join code.",
    )
    workshop_create.add_argument("--partnership", required=True, help="the partnership's name")
    workshop_create.add_argument("--cohort", help="the cohort, when several partnerships share the name")
    workshop_create.add_argument("--title", required=True, help="the workshop's title")
    workshop_create.add_argument("--date", required=True, help="when it is held, YYYY-MM-DD")
    workshop_create.add_argument("--round", help="a round label, e.g. 'Round 2'")
    workshop_create.add_argument("--domains", help="comma-separated domain ids to include (default: all)")
    workshop_create.add_argument(
        "--named", action="store_true", help="participants give their names (default: anonymous)"
    )
    workshop_create.add_argument(
        "--bank",
        help="the question bank file (default: ICS_BANK_PATH, else the shipped questions.yaml)",
    )
    workshop_create.set_defaults(handler=_workshop_create)

    workshop_list = workshop_commands.add_parser(
        "list", parents=[db], help="list workshops", description="List every workshop, newest first."
    )
    workshop_list.add_argument("--json", action="store_true", help="print a JSON list")
    workshop_list.set_defaults(handler=_workshop_list)

    steps: tuple[tuple[Step, str, str], ...] = (
        ("open", "is open for answers", "open a workshop for answers"),
        ("close", "is closed for answers", "close a workshop for answers"),
        ("reveal", "shows its team results to participants", "reveal the team results to participants"),
        ("hide", "hides its team results from participants", "hide the team results from participants"),
    )
    for action, verb, text in steps:
        command = workshop_commands.add_parser(
            action, parents=[db], help=text, description=text.capitalize() + "."
        )
        command.add_argument("code", help="the workshop's join code")
        command.set_defaults(handler=_workshop_step(action, verb))

    import_ = commands.add_parser(
        "import",
        parents=[db],
        help="import answers from CSV, Excel or JSON",
        description="Import answers (the export format) into a workshop. "
        "All or nothing: if anything is wrong, nothing is written.",
    )
    import_.add_argument("file", help="a .csv, .xlsx or .json file")
    import_.add_argument("--workshop", required=True, metavar="CODE", help="the workshop's join code")
    import_.set_defaults(handler=_import)

    export = commands.add_parser(
        "export",
        parents=[db],
        help="export a workshop's answers",
        description="Export a workshop's answers, one row per participant and item. The file holds "
        "individual answers: keep it private. An anonymous workshop's export has no role column.",
    )
    export.add_argument("--workshop", required=True, metavar="CODE", help="the workshop's join code")
    export.add_argument("--format", required=True, choices=("csv", "xlsx", "json"))
    export.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    export.set_defaults(handler=_export)

    scores = commands.add_parser(
        "scores",
        parents=[db],
        help="a workshop's figures",
        description="A workshop's figures, anonymity threshold applied.",
    )
    scores.add_argument("--workshop", required=True, metavar="CODE", help="the workshop's join code")
    scores.add_argument("--json", action="store_true", help="every figure, unrounded, as JSON")
    scores.set_defaults(handler=_scores)

    report = commands.add_parser(
        "report",
        parents=[db],
        help="the board PDF of a workshop, or a cohort pack",
        description="The board PDF: one workshop's summary (--workshop CODE --out FILE.pdf), or one PDF "
        "per partnership's latest round plus cohort-overview.pdf (--cohort NAME --out-dir DIR).",
    )
    report.add_argument("--workshop", metavar="CODE", help="the workshop's join code")
    report.add_argument("--out", metavar="FILE", help="the PDF to write (with --workshop)")
    report.add_argument("--cohort", metavar="NAME", help="the cohort's name")
    report.add_argument("--out-dir", metavar="DIR", help="the folder to write the pack to (with --cohort)")
    report.add_argument("--no-charts", action="store_true", help="tables only, without starting a browser")
    report.set_defaults(handler=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except BadInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except BankValidationError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except Refused as exc:  # not found, not allowed or not valid: the service's own words
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except DatabaseTooNew as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    except OperationalError as exc:
        print(f"cannot use the database: {exc.orig or exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception as exc:  # a fault, not the user's mistake: one line unless debugging
        if settings.current().debug:
            raise
        print(f"unexpected error ({type(exc).__name__}): {exc}; set ICS_DEBUG=1 for details", file=sys.stderr)
        return EXIT_FAILURE
