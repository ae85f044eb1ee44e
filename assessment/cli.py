"""`python -m assessment ...`: the command line for facilitators and scripts.

Exit codes: 0 success, 2 bad input (every problem listed on stderr), 1 anything else.
A user's mistake never ends in a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assessment.framework import BankValidationError, bank_as_json, load_bank

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


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


def build_parser() -> argparse.ArgumentParser:
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
        "path", nargs="?", default="questions.yaml", help="the bank file (default: questions.yaml)"
    )
    validate.add_argument("--json", action="store_true", help="print the whole parsed bank as JSON on stdout")
    validate.set_defaults(handler=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on a usage error, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return EXIT_FAILURE
