"""Readable evaluation output: the Markdown report, the threshold gate and quality-log entries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Strict, model_validator

from icassist.evaluation.metrics import METRICS, QuestionScore
from icassist.evaluation.questions import Question
from icassist.evaluation.results import ResultRow
from icassist.toml_files import load_toml

Metrics = Mapping[str, float | int | None]
TYPE_COLUMNS = ["recall_at_k", "mrr", "quote_coverage_at_k", "citation_support", "key_fact_recall"]
WORST_MISSES = 10


@dataclass(frozen=True)
class PipelineRun:
    """One pipeline's results over a question file: stored rows, per-question scores and aggregates."""

    name: str
    rows: list[ResultRow]
    scores: list[QuestionScore]
    overall: dict[str, float | int | None]
    by_type: dict[str, dict[str, float | int | None]]


class ThresholdError(ValueError):
    """A thresholds file that cannot be used as written."""


Bound = Annotated[float, Strict()]  # 0.8 or 5, never true or "high"


class Thresholds(BaseModel):
    """A thresholds file: `[minimum]` and `[maximum]` tables of metric → bound, each metric under its direction."""

    model_config = ConfigDict(extra="forbid")

    minimum: dict[str, Bound] = {}
    maximum: dict[str, Bound] = {}

    @model_validator(mode="after")
    def _known_metrics_in_their_direction(self) -> Thresholds:
        for direction, table in (("minimum", self.minimum), ("maximum", self.maximum)):
            for name in table:
                info = METRICS.get(name)
                if info is None:
                    raise ValueError(f"[{direction}]: unknown metric {name!r}; known: {', '.join(METRICS)}")
                if info.higher_is_better != (direction == "minimum"):
                    expected = "minimum" if info.higher_is_better else "maximum"
                    raise ValueError(f"{name} belongs under [{expected}], not [{direction}]")
        return self


def load_thresholds(path: Path) -> dict[str, tuple[str, float]]:
    thresholds = load_toml(path, Thresholds, ThresholdError)
    return {
        **{name: ("minimum", bound) for name, bound in thresholds.minimum.items()},
        **{name: ("maximum", bound) for name, bound in thresholds.maximum.items()},
    }


def check_thresholds(metrics: Metrics, thresholds: Mapping[str, tuple[str, float]]) -> list[str]:
    """One line per metric that misses its bound; a metric with no data misses too (the gate cannot be dodged)."""
    failures = []
    for name, (direction, bound) in thresholds.items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name}: no data (threshold {direction} {bound:g})")
        elif (direction == "minimum" and value < bound) or (direction == "maximum" and value > bound):
            failures.append(
                f"{name} = {value:.3f}, {'below minimum' if direction == 'minimum' else 'above maximum'} {bound:g}"
            )
    return failures


def fmt(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.3f}"


def ratio(system: float | int | None, baseline: float | int | None) -> str:
    if system is None or baseline is None:
        return "—"
    if baseline == 0:
        return "—" if system == 0 else "∞"
    return f"{system / baseline:.2f}×"


def metrics_table(system: Metrics, baseline: Metrics | None) -> list[str]:
    header = "| metric | system |" + (" baseline | system/baseline |" if baseline else "")
    lines = [header, "|---|---:|" + ("---:|---:|" if baseline else "")]
    for name, info in METRICS.items():
        arrow = "↑" if info.higher_is_better else "↓"
        row = f"| {info.label} {arrow} | {fmt(system.get(name))} |"
        if baseline:
            row += f" {fmt(baseline.get(name))} | {ratio(system.get(name), baseline.get(name))} |"
        lines.append(row)
    return lines


def _pair(system: Metrics, baseline: Metrics | None, name: str) -> str:
    return fmt(system.get(name)) + (f" / {fmt(baseline.get(name))}" if baseline else "")


def type_table(system: PipelineRun, baseline: PipelineRun | None) -> list[str]:
    columns = [*TYPE_COLUMNS, "false_refusal_rate", "refusal_rate_unanswerable", "latency_p50_s"]
    lines = [
        "| type | n | " + " | ".join(METRICS[c].label for c in columns) + " |",
        "|---|---:|" + "---:|" * len(columns),
    ]
    for qtype, metrics in system.by_type.items():
        other = baseline.by_type.get(qtype) if baseline else None
        cells = [_pair(metrics, other, c) for c in columns]
        lines.append(f"| {qtype} | {metrics['n_questions']} | " + " | ".join(cells) + " |")
    return lines


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _severity(score: QuestionScore) -> tuple[float, float, float]:
    return (score.quote_coverage or 0.0, score.reciprocal_rank or 0.0, score.key_fact_recall or 0.0)


def worst_misses(
    questions: Sequence[Question], system: PipelineRun, baseline: PipelineRun | None, limit: int = WORST_MISSES
) -> list[str]:
    """The answerable questions that went worst (gold quotes not retrieved, then refused), with what came back."""
    by_id = {q.id: q for q in questions}
    rows = {row.id: row for row in system.rows}
    base_scores = {s.id: s for s in baseline.scores} if baseline else {}
    misses = [s for s in system.scores if s.answerable and (s.quote_coverage != 1.0 or s.refused or s.error)]
    lines: list[str] = []
    for score in sorted(misses, key=_severity)[:limit]:
        question, row = by_id[score.id], rows[score.id]
        lines += [f"### {score.id} ({score.type}) — {_clip(question.question, 160)}", ""]
        lines.append(f"- gold sources: {', '.join(question.sources)}")
        for quote, found in zip(question.quotes, score.found_quotes, strict=True):
            lines.append(f"- {'found' if found else '**missed**'} gold quote: “{_clip(quote, 160)}”")
        lines.append(f"- retrieved instead (top {min(3, len(row.retrieved))}):")
        for hit in row.retrieved[:3]:
            lines.append(f"  {hit.rank}. `{hit.source}` ({hit.score:.3f}) — {_clip(hit.text, 160)}")
        outcome = f"error: {row.error}" if row.error else "refused" if row.refused else "answered"
        lines.append(f"- {outcome}: {_clip(row.answer, 240)}")
        if score.id in base_scores:
            other = base_scores[score.id]
            lines.append(
                f"- baseline: quote coverage {fmt(other.quote_coverage)}, key facts {fmt(other.key_fact_recall)}"
                f"{', refused' if other.refused else ''}"
            )
        lines.append("")
    return lines or ["None: every answerable question had all its gold quotes in the top k.", ""]


def unanswerable_answered(questions: Sequence[Question], run: PipelineRun) -> list[str]:
    by_id = {q.id: q for q in questions}
    rows = {row.id: row for row in run.rows}
    wrong = [s for s in run.scores if not s.answerable and not s.refused]
    return [f"- {s.id}: {_clip(by_id[s.id].question, 120)} → {_clip(rows[s.id].answer, 160)}" for s in wrong]


def render_report(
    run_info: Mapping[str, Any],
    questions: Sequence[Question],
    system: PipelineRun,
    baseline: PipelineRun | None,
    failures: Sequence[str] | None = None,
    provenance: Sequence[str] = (),
) -> str:
    """The whole report.md: settings, overall and per-type tables, gate result, provenance per report, worst misses,
    definitions."""
    lines = [f"# icassist evaluation — {run_info['date']}", ""]
    lines += [f"- {key}: {value}" for key, value in run_info.items() if key != "date"]
    lines += ["", "## Overall", "", *metrics_table(system.overall, baseline.overall if baseline else None)]
    lines += ["", f"Answerable: {system.overall['n_answerable']}, unanswerable: {system.overall['n_unanswerable']}."]
    lines += ["", "## Per question type", ""]
    if baseline:
        lines += ["Cells are system / baseline.", ""]
    lines += type_table(system, baseline)
    if failures is not None:
        lines += ["", "## Threshold gate", ""]
        lines += [f"- FAIL {f}" for f in failures] if failures else ["All thresholds met."]
    if provenance:
        lines += ["", "## Provenance per report (system)", "", *provenance]
    lines += ["", f"## Worst misses (system, up to {WORST_MISSES})", "", *worst_misses(questions, system, baseline)]
    answered = unanswerable_answered(questions, system)
    if answered:
        lines += ["## Unanswerable questions the system answered", "", *answered, ""]
    lines += ["## Metric definitions", ""]
    lines += [f"- **{info.label}** (`{name}`): {info.definition}." for name, info in METRICS.items()]
    lines += [
        "",
        "Quotes are compared after folding case, whitespace, typography and hyphenation; a quote split across two "
        "adjacent chunks of one report counts once both are retrieved. Key facts match as normalised substrings with "
        "number formatting folded ('£4.2 million' = '£4.2m', '70 per cent' = '70%', '1,200' = '1200'), never values.",
    ]
    return "\n".join(lines) + "\n"


def log_entry(
    run_info: Mapping[str, Any], label: str, report_link: str, system: Metrics, baseline: Metrics | None, note: str
) -> str:
    """A quality-log section: when, what code, what settings, the headline table and the reader's notes."""
    lines = [f"## {run_info['date']} — {label}", ""]
    lines += [f"- {key}: {value}" for key, value in run_info.items() if key != "date"]
    lines += [f"- report: [{report_link}]({report_link})", ""]
    lines += metrics_table(system, baseline)
    lines += ["", f"Notes: {note or '_none yet_'}", ""]
    return "\n".join(lines) + "\n"
