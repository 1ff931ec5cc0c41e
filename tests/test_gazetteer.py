"""Gazetteer: the curated corpus/programmes.toml is valid and grounded in the reports, and tagging is precise."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from icassist.gazetteer import GazetteerError, Programme, ProgrammeTagger, alias_pattern, load_gazetteer

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GAZETTEER = CORPUS / "programmes.toml"


@pytest.fixture(scope="module")
def programmes() -> list[Programme]:
    return load_gazetteer(GAZETTEER)


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    """Report texts with whitespace collapsed, as aliases may be split across PDF line breaks."""
    return {f.name: " ".join(f.read_text(encoding="utf-8").split()) for f in sorted(CORPUS.glob("*.txt"))}


def _prog(pid: str, name: str, *aliases: str) -> Programme:
    return Programme(id=pid, name=name, country="England", aliases=aliases, kind="test", summary="Test entry.")


@pytest.fixture()
def tagger() -> ProgrammeTagger:
    return ProgrammeTagger(
        [
            _prog("pace", "Program of All-Inclusive Care for the Elderly", "PACE"),
            _prog("torbay", "Torbay Care Trust", "Torbay"),
            _prog("nw-london", "North West London Integrated Care Pilot", "North-West London pilot"),
            _prog("icps", "Integrated Care Pilots", "Integrated Care Pilot", "ICPs", "ICP"),
            _prog("sipa", "SIPA", "Système de services intégrés pour personnes âgées en perte d’autonomie"),
        ]
    )


# --- the real gazetteer -------------------------------------------------------------------------------------


def test_real_gazetteer_loads_with_unique_ids(programmes: list[Programme]) -> None:
    ids = [p.id for p in programmes]
    assert len(ids) >= 30
    assert len(ids) == len(set(ids))
    assert {"torbay", "pace", "kaiser-permanente", "vha", "prisma", "sipa", "popp"} <= set(ids)


def test_labels_are_name_and_country(programmes: list[Programme]) -> None:
    torbay = next(p for p in programmes if p.id == "torbay")
    assert torbay.label == "Torbay Care Trust (England)"


def test_every_alias_occurs_in_the_reports(programmes: list[Programme], reports: dict[str, str]) -> None:
    text = "\n".join(reports.values())
    missing = [(p.id, a) for p in programmes for a in p.aliases if not alias_pattern(a).search(text)]
    assert not missing, f"aliases not found in any report: {missing}"


def test_every_programme_is_tagged_in_some_report(programmes: list[Programme], reports: dict[str, str]) -> None:
    """Also prints how long the corpus takes to tag: a naive alternation of the aliases took ~30 s."""
    tagger = ProgrammeTagger(programmes)
    start = time.perf_counter()
    seen = {pid for text in reports.values() for pid in tagger.tag(text)}
    print(f"tagged {sum(map(len, reports.values())):,} characters in {time.perf_counter() - start:.2f} s")
    assert not {p.id for p in programmes} - seen


def test_missing_file_gives_empty_gazetteer(tmp_path: Path) -> None:
    assert load_gazetteer(tmp_path / "nope.toml") == []
    assert ProgrammeTagger([]).tag("Torbay") == []


# --- tagging rules -----------------------------------------------------------------------------------------


def test_acronym_is_case_sensitive(tagger: ProgrammeTagger) -> None:
    assert tagger.tag("Progress continued at a steady pace.") == []
    assert tagger.tag("Pace of change was slow.") == []
    assert tagger.tag("Evaluations of PACE sites found cream skimming.") == ["pace"]


def test_plain_alias_is_case_insensitive(tagger: ProgrammeTagger) -> None:
    assert tagger.tag("the TORBAY model and torbay's teams") == ["torbay"]


def test_multiword_alias_across_line_break_and_spaces(tagger: ProgrammeTagger) -> None:
    assert tagger.tag("results from the North-West\nLondon   pilot were mixed") == ["nw-london"]
    assert tagger.tag("results from the North West London pilot") == ["nw-london"]
    assert tagger.tag("SIPA (Système de services\nintégrés pour personnes âgées en perte d'autonomie)") == ["sipa"]


def test_order_of_first_mention(tagger: ProgrammeTagger) -> None:
    text = "Unlike PACE, Torbay integrated teams; PACE and Torbay differ; the ICPs followed."
    assert tagger.tag(text) == ["pace", "torbay", "icps"]


def test_no_partial_word_matches(tagger: ProgrammeTagger) -> None:
    assert tagger.tag("PACEMAKER use, Torbayside, ICPS2 and the SIPAs") == []


def test_longest_alias_wins_and_mentions_have_offsets(tagger: ProgrammeTagger) -> None:
    text = "The North West London Integrated Care Pilot and other Integrated Care Pilots."
    mentions = tagger.mentions(text)
    assert [m[0] for m in mentions] == ["nw-london", "icps"]
    _, start, end = mentions[0]
    assert text[start:end] == "North West London Integrated Care Pilot"
    assert tagger.tag("Torbay Care Trust") == ["torbay"]
    assert len(tagger.mentions("Torbay Care Trust")) == 1


# --- malformed files ---------------------------------------------------------------------------------------

GOOD = """
[[programme]]
id = "torbay"
name = "Torbay Care Trust"
country = "England"
aliases = ["Torbay"]
kind = "care trust"
summary = "Integrated teams."
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "programmes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_minimal_file(tmp_path: Path) -> None:
    (prog,) = load_gazetteer(_write(tmp_path, GOOD))
    assert prog.aliases == ("Torbay",)


def test_invalid_toml_names_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[[programme]\nid = ")
    with pytest.raises(GazetteerError, match=r"programmes\.toml.*not valid TOML"):
        load_gazetteer(path)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('summary = "Integrated teams."\n', ""),
            r"entry 1 \(id='torbay'\): summary: Field required",
        ),
        (
            lambda t: t.replace('id = "torbay"', 'id = "Torbay Trust"'),
            r"entry 1 \(id='Torbay Trust'\): id: String should match",
        ),
        (lambda t: t.replace('aliases = ["Torbay"]', 'aliases = ["Torbay", " "]'), "aliases must not be blank"),
        (lambda t: t.replace('kind = "care trust"', 'kind = "care trust"\nsize = 3'), "size: unknown key"),
        (lambda t: t + t, r"entry 2 \(id='torbay'\): duplicate id"),
        (lambda t: t + t.replace('id = "torbay"', 'id = "torbay2"'), r"entry 2 .*'Torbay Care Trust'.*'torbay'"),
        (lambda t: "programme = 3\n", "array of tables"),
        (lambda t: t + "\n[extra]\nx = 1\n", "extra: unknown key"),
    ],
    ids=[
        "missing-field",
        "bad-id",
        "blank-alias",
        "unknown-field",
        "duplicate-id",
        "shared-alias",
        "not-array",
        "extra-table",
    ],
)
def test_malformed_entries_are_reported_with_file_and_entry(tmp_path: Path, edit, expected: str) -> None:
    path = _write(tmp_path, edit(GOOD))
    with pytest.raises(GazetteerError, match=expected) as info:
        load_gazetteer(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "section", "expected"),
    [  # sentences from the reports
        ("The Socsam legislation was evaluated in eight trial areas.", [], ["socsam"]),
        (
            "One example of a managed clinical network is the Scottish Cardiac Network, the focus of which is …",
            [],
            ["scottish-mcns", "scottish-cardiac-network"],
        ),
        ("PACE (USA) | SIPA (Canada) | PRISMA (Canada)", ["Meso-level integration", "Torbay", "Impact"], ["torbay"]),
        ("Similar to the SIPA and PACE models, both Italian models integrated provision.", [], []),
        ("While such techniques are common in integrated systems such as Kaiser Permanente, many failed.", [], []),
        ("Evercare (UK) [25, 160] x x", [], []),
        ("Managed clinical networks - Scotland √", [], []),
        ("PACE Program of All-Inclusive Care for the Elderly", ["Glossary"], []),
    ],
)
def test_a_chunk_is_tagged_with_what_it_discusses_not_every_name_it_lists(
    programmes: list[Programme], text: str, section: list[str], expected: list[str]
) -> None:
    assert ProgrammeTagger(programmes).discussed(text, section) == expected
