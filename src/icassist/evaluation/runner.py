"""`icassist eval`: run a question file through the system (and optionally the tutorial baseline), score, report, gate.

Heavy imports (torch, Chroma, the chain) happen inside `run_eval_command`, so building the CLI parser stays fast.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icassist.evaluation.metrics import Evidence, Tagger, aggregate, by_type, reachable, score_question
from icassist.evaluation.provenance import (
    HeadingsError,
    insane_sections,
    load_headings,
    load_tag_labels,
    per_report,
    provenance_table,
    section_sanity,
    tag_agreement,
)
from icassist.evaluation.questions import Question, QuestionFileError, check_quotes, load_questions
from icassist.evaluation.report import (
    PipelineRun,
    ThresholdError,
    check_thresholds,
    load_thresholds,
    log_entry,
    render_report,
)
from icassist.evaluation.results import ResultRow, write_results
from icassist.gazetteer import ProgrammeTagger, load_gazetteer
from icassist.settings import Settings, get_settings

if TYPE_CHECKING:
    from icassist.records import Answer

MAX_COMMITTED_RESULTS_BYTES = 1_000_000
WARM_UP_QUESTION = "What is integrated care?"
BASELINE_DESCRIPTION = "LangChain tutorial: RecursiveCharacterTextSplitter(1000, 200) + Chroma top-k, same answerer"


def add_eval_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval", help="score retrieval and answers on a gold question file; optionally gate on thresholds"
    )
    parser.add_argument("--questions", type=Path, help="JSON-lines file (default: evals/questions.jsonl in home)")
    parser.add_argument("--out", type=Path, required=True, help="folder for results.jsonl, metrics.json, report.md")
    parser.add_argument("--k", type=int, help="passages given to the answerer (default: settings retrieval.k)")
    parser.add_argument("--answerer", choices=["extractive", "generative"], help="default: settings answer.answerer")
    parser.add_argument("--baseline", action="store_true", help="also run the LangChain-tutorial baseline")
    parser.add_argument("--thresholds", type=Path, help="TOML of [minimum]/[maximum] bounds; exit 1 if any is missed")
    parser.add_argument("--log", metavar="LABEL", help="commit-ready copy under evals/reports/ + quality-log entry")
    parser.add_argument("--note", default="", help="notes for the quality-log entry")
    parser.add_argument("--limit", type=int, help="only the first N questions (a quick look, not a measurement)")
    parser.add_argument("--sample", type=int, help="N questions spread evenly over the file (for a slow answerer)")
    parser.add_argument("--corpus", help="corpus folder (default: settings corpus.dir)")
    parser.add_argument("--store", help="Chroma folder (default: settings store.path)")
    parser.set_defaults(handler=run_eval_command)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings().with_paths(args.corpus, args.store)
    if args.k:
        settings.retrieval.k = args.k
    if args.answerer:
        settings.answer.answerer = args.answerer
    return settings


def spread(questions: Sequence[Question], n: int) -> list[Question]:
    """Every (len/n)-th question: the file is grouped by report and type, so a spread sample covers them all."""
    if n >= len(questions):
        return list(questions)
    return [questions[i * len(questions) // n] for i in range(n)]


def run_questions(questions: Sequence[Question], answer: Callable[[Question], Answer], label: str) -> list[ResultRow]:
    """Answer each question, timing it; one failing question is recorded as an error rather than ending the run."""
    rows = []
    for i, question in enumerate(questions, start=1):
        started = time.perf_counter()
        try:
            result, error = answer(question), None
        except Exception as exc:  # recorded per question and counted by the `errors` metric
            result, error = None, f"{type(exc).__name__}: {exc}"
        rows.append(ResultRow.of(question, result, time.perf_counter() - started, error))
        if i % 10 == 0 or i == len(questions):
            print(f"eval {label}: {i}/{len(questions)}", file=sys.stderr, flush=True)
    return rows


def score_run(
    name: str, questions: Sequence[Question], rows: list[ResultRow], k: int, tag: Tagger | None = None
) -> PipelineRun:
    scores = [score_question(q, r.outcome(), k, tag) for q, r in zip(questions, rows, strict=True)]
    return PipelineRun(name, rows, scores, aggregate(scores), by_type(scores))


def index_reachability(questions: Sequence[Question], index: list[Evidence]) -> str:
    """How many gold quotes exist in the index at all (the ceiling of recall), naming the questions that lose some."""
    lost = [q.id for q in questions for quote in q.quotes if not reachable(quote, index)]
    total = sum(len(q.quotes) for q in questions)
    return f"{total - len(lost)}/{total}" + (f" (missing from: {', '.join(sorted(set(lost)))})" if lost else "")


def git_state(root: Path) -> str:
    """Commit and whether the tree has uncommitted changes, so a logged figure can be traced to code."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "no commit"
    return f"{commit}{' + uncommitted changes' if git('status', '--porcelain') else ''}"


def append_log(
    evals_dir: Path,
    label: str,
    out: Path,
    run_info: dict[str, Any],
    system: PipelineRun,
    baseline: PipelineRun | None,
    note: str,
) -> Path:
    """Copy report.md and metrics.json (and small results) to evals/reports/<date>-<label>/ and log the run."""
    slug = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label.strip()) or "run"
    target = evals_dir / "reports" / f"{run_info['date']}-{slug}"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("report.md", "metrics.json", "results.jsonl", "baseline-results.jsonl"):
        source = out / name
        if (target / name).exists() and (target / name).samefile(source):
            continue  # --out was the report folder itself
        if source.exists() and (
            name.endswith((".md", ".json")) or source.stat().st_size <= MAX_COMMITTED_RESULTS_BYTES
        ):
            shutil.copyfile(source, target / name)
    log = evals_dir / "quality-log.md"
    if not log.exists():
        log.write_text(
            "# Quality log\n\nOne entry per evaluation run worth keeping, newest last.\n\n", encoding="utf-8"
        )
    link = f"reports/{target.name}/report.md"
    entry = log_entry(run_info, slug, link, system.overall, baseline.overall if baseline else None, note)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(entry)
    return target


def run_eval_command(args: argparse.Namespace) -> int:
    """Exit 0 if the run completed (and met the thresholds), 1 if a threshold was missed, 2 on unusable input."""
    settings = _settings(args)
    args.questions = args.questions or settings.evals_dir / "questions.jsonl"
    try:
        questions = load_questions(args.questions)
        thresholds = load_thresholds(args.thresholds) if args.thresholds else None
        headings = load_headings(settings.corpus.dir / settings.corpus.headings)
    except (QuestionFileError, ThresholdError, HeadingsError) as error:
        print(f"icassist eval: {error}", file=sys.stderr)
        return 2
    questions = questions[: args.limit] if args.limit else questions
    questions = spread(questions, args.sample) if args.sample else questions
    for problem in check_quotes(questions, settings.corpus.dir):
        print(f"icassist eval: warning: {problem}", file=sys.stderr)

    from icassist.chain import Assistant
    from icassist.store import StoreError

    try:
        assistant = Assistant(settings)
    except StoreError as error:
        print(f"icassist eval: {error}", file=sys.stderr)
        return 2
    k = settings.retrieval.k
    args.out.mkdir(parents=True, exist_ok=True)
    assistant.ask(WARM_UP_QUESTION)  # untimed: latency figures are for a warm assistant, not model loading
    system_rows = run_questions(
        questions, lambda q: assistant.ask(q.question, history=list(q.history) or None), "system"
    )
    write_results(args.out / "results.jsonl", system_rows)
    tagger = ProgrammeTagger(load_gazetteer(settings.corpus.dir / settings.corpus.gazetteer))

    def tag(text: str) -> frozenset[str]:
        return frozenset(tagger.tag(text))

    system = score_run("system", questions, system_rows, k, tag)
    chunks = assistant.store.chunks()
    reports = per_report(chunks, system_rows, headings)
    system.overall["section_sanity"] = section_sanity(reports)
    tags = tag_agreement(chunks, load_tag_labels(settings.evals_dir / "tag-sample.jsonl"))
    system.overall["tag_precision"], system.overall["tag_recall"] = tags.precision, tags.recall
    provenance = [*provenance_table(reports), "", *insane_sections(chunks, headings)]
    index = [Evidence(c.doc_id, c.text, c.char_start, c.char_end) for c in chunks]
    reach = {"gold quotes in system index": index_reachability(questions, index)}
    baseline = None
    if args.baseline:
        from icassist.evaluation.baseline import Baseline

        tutorial = Baseline(settings, embeddings=assistant.store.embeddings)
        baseline_rows = run_questions(
            questions, lambda q: assistant.answer_with(q.question, tutorial.retrieve(q.question, k)), "baseline"
        )
        write_results(args.out / "baseline-results.jsonl", baseline_rows)
        baseline = score_run("baseline", questions, baseline_rows, k, tag)
        index = [Evidence(c.doc_id, c.text, c.char_start, c.char_end) for c in tutorial.chunks()]
        reach["gold quotes in baseline index"] = index_reachability(questions, index)

    run_info = {
        "date": date.today().isoformat(),
        "git": git_state(settings.home),
        "questions": f"{args.questions} ({len(questions)})",
        "k": k,
        "answerer": assistant.answerer.name,  # the model's name; "extractive" also when no model could be loaded
        "baseline": BASELINE_DESCRIPTION if baseline else "not run",
        **reach,
    }
    failures = check_thresholds(system.overall, thresholds) if thresholds else None
    metrics = {
        "run": run_info,
        "system": {"overall": system.overall, "by_type": system.by_type},
        "provenance": [
            {**asdict(r), "section_sanity": r.section_sanity, "citation_page_coverage": r.citation_page_coverage}
            for r in reports
        ],
        "baseline": {"overall": baseline.overall, "by_type": baseline.by_type} if baseline else None,
        "threshold_failures": failures,
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    report = render_report(run_info, questions, system, baseline, failures, provenance)
    (args.out / "report.md").write_text(report, encoding="utf-8")
    print(report)
    if args.log:
        target = append_log(settings.evals_dir, args.log, args.out, run_info, system, baseline, args.note)
        print(f"icassist eval: logged to {settings.evals_dir / 'quality-log.md'} and {target}", file=sys.stderr)
    if failures:
        print("icassist eval: thresholds missed:\n" + "\n".join(f"  {f}" for f in failures), file=sys.stderr)
        return 1
    return 0
