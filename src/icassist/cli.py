"""`icassist` command line: ingest, status, reports, programmes, ask, eval, models."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from icassist.records import Answer, Chunk, Filters, Turn
from icassist.references import reference
from icassist.settings import Settings, get_settings
from icassist.text import printable


def _settings(args: argparse.Namespace) -> Settings:
    return get_settings().with_paths(getattr(args, "corpus", None), getattr(args, "store", None))


def cmd_ingest(args: argparse.Namespace) -> int:
    from icassist.ingest.pipeline import ingest
    from icassist.ingest.readers import UnreadableDocument
    from icassist.ingest_lease import IngestBusy, LeaseLost
    from icassist.store import StoreError

    settings = _settings(args)
    settings.store.lock_timeout_s = args.wait
    try:
        report = ingest(settings, rebuild=args.rebuild, prune=args.prune, progress=not args.quiet)
    except (IngestBusy, LeaseLost, StoreError, UnreadableDocument, ValueError) as error:
        print(f"icassist ingest: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.failed else 0


def _out(text: str) -> None:
    """Print report text: whatever escape sequences a report carries never reach the terminal."""
    print(printable(text))


def cmd_status(args: argparse.Namespace) -> int:
    from icassist.store import Store, StoreError

    settings = _settings(args)
    try:
        store = Store(settings)
        status = store.status()
        per_document = Counter(chunk.doc_id for chunk in store.chunks())
    except StoreError as error:
        print(f"icassist status: {error}", file=sys.stderr)
        return 2
    if status is None:
        print(f"No ingested corpus at {store.location}. Run `icassist ingest`.")
        return 1
    _out(
        f"store: {store.location}\n"
        f"documents: {status.documents}\nchunks: {status.chunks}\n"
        f"ingested: {status.ingested_at}\nembedding model: {status.embedding_model}"
    )
    for doc_id, count in sorted(per_document.items()):
        _out(f"  {doc_id}: {count} chunks")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    """The values `--report` and `--year` accept, with what a reader can check: chunks and how many carry a page."""
    from icassist.store import Store, StoreError

    try:
        chunks = Store(_settings(args)).chunks()
    except StoreError as error:
        print(f"icassist reports: {error}", file=sys.stderr)
        return 2
    if not chunks:
        print("No reports ingested. Run `icassist ingest`.")
        return 1
    by_report: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_report.setdefault(chunk.doc_id, []).append(chunk)
    for doc_id, own in sorted(by_report.items()):
        first = own[0]
        paged = sum(c.page_start is not None for c in own)
        _out(f"{doc_id}\n  {first.title} ({first.year or 'n.d.'}); {len(own)} chunks, {paged} with a page")
    return 0


def cmd_programmes(args: argparse.Namespace) -> int:
    """The ids `--programme` accepts, by country."""
    from icassist.gazetteer import GazetteerError, load_gazetteer

    settings = _settings(args)
    try:
        programmes = load_gazetteer(settings.corpus.dir / settings.corpus.gazetteer)
    except GazetteerError as error:
        print(f"icassist programmes: {error}", file=sys.stderr)
        return 2
    for programme in sorted(programmes, key=lambda p: (p.country, p.name)):
        _out(f"{programme.id:<28} {programme.label}")
    return 0


def _print_answer(answer: Answer, closest: int) -> None:
    _out(answer.text)
    for notice in answer.notices:
        _out(f"note: {notice}")
    if answer.refused:
        print("\nClosest evidence:")
        for rank, passage in enumerate(answer.retrieved[:closest], 1):
            _out(f"  {rank}. {reference(passage.chunk)}\n     {passage.chunk.text[:240]}…")
        return
    print("\nSources:")
    for c in answer.citations:
        _out(f"  [{c.n}] {reference(c.chunk)}\n      “{c.quote}”")


def _history(path: str, limit_bytes: int) -> list[Turn]:
    """Earlier turns from a JSON file, or ValueError saying what is wrong with it."""
    file = Path(path)
    if file.stat().st_size > limit_bytes:
        raise ValueError(f"{file.stat().st_size:,} bytes is over the {limit_bytes:,}-byte limit for a history file")
    try:
        return TypeAdapter(list[Turn]).validate_json(file.read_bytes())
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise ValueError(f"{where}: {first['msg']}") from error


def _filter_problems(filters: Filters, chunks: list[Chunk], programmes: list[str]) -> list[str]:
    """A filter naming nothing in the store would only ever refuse: say so, and list what exists."""
    problems = []
    reports = sorted({c.doc_id for c in chunks})
    years = sorted({c.year for c in chunks if c.year is not None})
    for doc_id in filters.doc_ids:
        if doc_id not in reports:
            problems.append(f"--report {doc_id} matches no report{_close(doc_id, reports)} (`icassist reports`)")
    for year in filters.years:
        if year not in years:
            problems.append(f"--year {year} matches no report; years in the store: {', '.join(map(str, years))}")
    for programme in filters.programmes:
        if programme not in programmes:
            problems.append(
                f"--programme {programme} is not in the gazetteer{_close(programme, programmes)} "
                "(`icassist programmes`)"
            )
    return problems


def _close(value: str, known: list[str]) -> str:
    """The values it is part of or close to ('kingsfund' → the King's Fund file), else all of them."""
    matches = [k for k in known if value.lower() in k.lower()] or difflib.get_close_matches(value, known, 3, 0.6)
    return f"; did you mean {' or '.join(matches)}?" if matches else f"; valid: {', '.join(known)}"


def cmd_ask(args: argparse.Namespace) -> int:
    from icassist.chain import Assistant, EmptyQuestion
    from icassist.gazetteer import load_gazetteer
    from icassist.store import StoreError

    settings = _settings(args)
    if args.answerer:
        settings.answer.answerer = args.answerer
    history: list[Turn] = []
    if args.history:
        try:
            history = _history(args.history, settings.answer.max_history_bytes)
        except (OSError, ValueError) as error:
            print(
                f"icassist ask: --history {args.history}: {error}. Give a JSON list of "
                '{"role": "user"|"assistant", "content": "..."}.',
                file=sys.stderr,
            )
            return 2
    filters = Filters(doc_ids=args.report or [], programmes=args.programme or [], years=args.year or [])
    try:
        assistant = Assistant(settings)
        programmes = [p.id for p in load_gazetteer(settings.corpus.dir / settings.corpus.gazetteer)]
        problems = _filter_problems(filters, assistant.retriever.corpus.chunks, programmes)
        if problems:
            print("\n".join(f"icassist ask: {problem}" for problem in problems), file=sys.stderr)
            return 2
        answer = assistant.ask(args.question, history=history, filters=filters)
    except (EmptyQuestion, StoreError) as error:
        print(f"icassist ask: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        _print_answer(answer, settings.answer.closest_passages)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from icassist.model_install import main as install_main

    return install_main(["--dest", args.dest] if args.dest else [])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="icassist", description="Cited answers from integrated-care evidence reports."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("--corpus", help="corpus folder (default: settings corpus.dir)")
        command.add_argument("--store", help="Chroma folder (default: settings store.path)")
        command.set_defaults(handler=handler)
        return command

    ingest = add("ingest", cmd_ingest, "parse, chunk, embed and store the corpus (only what changed)")
    ingest.add_argument("--rebuild", action="store_true", help="start the store over")
    ingest.add_argument(
        "--prune", action="store_true", help="also remove reports that another corpus folder added to a shared store"
    )
    ingest.add_argument("--wait", type=float, default=0.0, help="seconds to wait for a running ingest")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")
    add("status", cmd_status, "show what the store holds")
    add("reports", cmd_reports, "list the ingested reports (the values --report accepts)")
    add("programmes", cmd_programmes, "list the gazetteer's programmes (the ids --programme accepts)")
    ask = add("ask", cmd_ask, "answer a question from the reports, with citations")
    ask.add_argument("question")
    ask.add_argument("--history", help="JSON file: earlier turns [{role, content}, ...]")
    ask.add_argument("--report", action="append", help="restrict to a report (corpus file name); repeatable")
    ask.add_argument("--programme", action="append", help="restrict to a programme id from the gazetteer; repeatable")
    ask.add_argument("--year", action="append", type=int, help="restrict to a publication year; repeatable")
    ask.add_argument("--answerer", choices=["extractive", "generative"], help="override the configured answerer")
    ask.add_argument("--json", action="store_true", help="print the whole Answer record as JSON")
    models = sub.add_parser("models", help="optional local language model for generative answers")
    models.add_argument("action", choices=["install"], help="install Qwen2.5-Coder-1.5B-Instruct (GGUF, ~1.1 GB)")
    models.add_argument("--dest", help="model file (default: data/models/…)")
    models.set_defaults(handler=cmd_models)

    from icassist.evaluation.runner import add_eval_parser

    add_eval_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
