"""`icassist` command line: ingest, status, ask, eval, models."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from icassist.records import Answer
from icassist.settings import Settings, get_settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings().model_copy(deep=True)
    if getattr(args, "corpus", None):
        settings.corpus.dir = Path(args.corpus)
    if getattr(args, "store", None):
        settings.store.path = Path(args.store)
    return settings


def cmd_ingest(args: argparse.Namespace) -> int:
    from icassist.ingest_lease import IngestBusy, LeaseLost
    from icassist.store import StoreError
    from ingest.pipeline import ingest
    from ingest.readers import UnreadableDocument

    settings = _settings(args)
    settings.store.lock_timeout_s = args.wait
    try:
        report = ingest(settings, rebuild=args.rebuild, prune=args.prune, progress=not args.quiet)
    except (IngestBusy, LeaseLost, StoreError, UnreadableDocument, ValueError) as error:
        print(f"icassist ingest: {error}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.failed else 0


def cmd_status(args: argparse.Namespace) -> int:
    from icassist.store import Store

    settings = _settings(args)
    status = Store(settings).status()
    if status is None:
        print(f"No ingested corpus at {settings.store.chroma_url or settings.store.path}. Run `icassist ingest`.")
        return 1
    print(
        f"store: {settings.store.chroma_url or settings.store.path}\n"
        f"documents: {status.documents}\nchunks: {status.chunks}\n"
        f"ingested: {status.ingested_at}\nembedding model: {status.embedding_model}"
    )
    return 0


def _print_answer(answer: Answer) -> None:
    print(answer.text)
    for notice in answer.notices:
        print(f"note: {notice}")
    if answer.refused:
        print("\nClosest evidence:")
        for rank, passage in enumerate(answer.retrieved[:3], 1):
            chunk = passage.chunk
            where = ", ".join(filter(None, [chunk.section, f"p. {chunk.page_label}" if chunk.page_label else None]))
            print(f"  {rank}. {chunk.title} ({chunk.year or 'n.d.'}) — {where}\n     {chunk.text[:240]}…")
        return
    print("\nSources:")
    for c in answer.citations:
        where = ", ".join(filter(None, [c.section, f"p. {c.page}" if c.page else None]))
        print(f"  [{c.n}] {c.title} ({c.year or 'n.d.'}) — {where}\n      “{c.quote}”")


def cmd_ask(args: argparse.Namespace) -> int:
    from icassist.chain import Assistant, EmptyQuestion
    from icassist.records import Filters, Turn
    from icassist.store import StoreError

    settings = _settings(args)
    if args.answerer:
        settings.answer.answerer = args.answerer
    history = []
    if args.history:
        try:
            history = [Turn.model_validate(t) for t in json.loads(Path(args.history).read_text(encoding="utf-8"))]
        except (OSError, ValueError) as error:
            print(
                f"icassist ask: --history {args.history}: {error}. Give a JSON list of "
                '{"role": "user"|"assistant", "content": "..."}.',
                file=sys.stderr,
            )
            return 2
    filters = Filters(doc_ids=args.report or [], programmes=args.programme or [], years=args.year or [])
    try:
        answer = Assistant(settings).ask(args.question, history=history, filters=filters)
    except (EmptyQuestion, StoreError) as error:
        print(f"icassist ask: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        _print_answer(answer)
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
