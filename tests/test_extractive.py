"""The extractive answerer on real retrieved passages: the reports' own sentences, each cited, nothing changed."""

from __future__ import annotations

import re

import pytest

from icassist.answering.extractive import ExtractiveAnswerer
from icassist.answering.fragments import strip_footnote_marks
from icassist.chain import Assistant
from icassist.embeddings import LocalEmbeddings
from icassist.gazetteer import ProgrammeTagger, load_gazetteer
from icassist.records import Passage
from icassist.settings import AnswerSettings
from icassist.text import numbers, strip_markers
from tests.conftest import REAL_CORPUS
from tests.passages import passage

QUESTIONS = [
    "What happened to hospital bed use in Torbay?",
    "What did PACE achieve for hospital use and nursing home admissions?",
    "What are integrated resource mechanisms?",
]
MARKER = re.compile(r" \[(\d+)\](?=[.!?:;]$)")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _quotable(text: str) -> str:
    """The passage as the answerer may quote it: less the report's [n] marks, footnote numbers, bullets, numbers."""
    leads = r"(?m)^\s*(?:[•\-–*·▪]|\d{1,2}[.)]|\([a-z]\))\s+"
    return _flat(strip_footnote_marks(re.sub(leads, "", strip_markers(text))))


@pytest.fixture(scope="module")
def answerer(qa_assistant: Assistant) -> ExtractiveAnswerer:
    assert isinstance(qa_assistant.answerer, ExtractiveAnswerer)
    return qa_assistant.answerer


@pytest.mark.parametrize("question", QUESTIONS)
def test_sentences_are_verbatim_cited_and_distinct(
    qa_assistant: Assistant, answerer: ExtractiveAnswerer, question: str
) -> None:
    passages: list[Passage] = qa_assistant.retriever.retrieve(question, 5)
    sentences = answerer.sentences(question, question, passages)
    assert 2 <= len(sentences) <= answerer.settings.max_sentences + answerer.settings.max_caveats
    assert len(set(sentences)) == len(sentences)
    for sentence in sentences:
        marker = MARKER.search(sentence)
        assert marker, f"no [n] before the final punctuation: {sentence!r}"
        n = int(marker.group(1))
        assert 1 <= n <= len(passages)
        source = _quotable(passages[n - 1].chunk.text)  # less the report's marks
        quoted = MARKER.sub("", sentence)
        assert quoted in source or quoted.rstrip(".") in source, f"not verbatim from passage {n}: {quoted!r}"
        assert set(numbers(quoted)) <= set(numbers(source))
    assert answerer.sentences(question, question, passages) == sentences, "the same passages give the same answer"


def test_ask_is_deterministic_and_every_citation_resolves(qa_assistant: Assistant) -> None:
    first, second = (qa_assistant.ask(QUESTIONS[0]) for _ in range(2))
    assert first.text == second.text and not first.refused
    assert len(first.sentences) >= 2
    limit = qa_assistant.settings.answer.max_words + qa_assistant.settings.answer.caveat_words
    assert len(re.findall(r"\w+", first.text)) <= limit + 20  # words plus [n]s
    by_n = {c.n: c for c in first.citations}
    for sentence in first.sentences:
        assert sentence.citations and all(n in by_n for n in sentence.citations)
        assert sentence.supported and not sentence.unsupported_numbers
        body = re.sub(r" \[\d+\]", "", sentence.text).rstrip(".;:")
        assert body in _quotable(by_n[sentence.citations[0]].chunk.text)


def test_lead_first_then_supporting_bullets(qa_assistant: Assistant) -> None:
    answer = qa_assistant.ask(QUESTIONS[1])
    lead, *bullets = answer.text.split("\n\n- ")
    assert lead and "\n" not in lead and bullets, answer.text
    assert [s.bullet for s in answer.sentences] == [False] + [True] * (len(answer.sentences) - 1)


def _fresh(
    embeddings: LocalEmbeddings, tagger: ProgrammeTagger | None = None, settings: AnswerSettings | None = None
) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(embeddings, settings or AnswerSettings(), {}, tagger)


# CHE, quoting the POPP evaluation: the 'However' sentence means little without the conclusion before it
POPP = (
    "“Overall we found that the POPP interventions we studied did not appear to have reduced use of acute "
    "hospitals. However, there were signs that one of the interventions reduced emergency hospital admissions "
    "for a high-risk subgroup” [60] (p. 30). This sub-group effect was found in only one of the eight "
    "interventions analysed. In this county-wide intervention, 23 integrated health and social care teams "
    "supported people with one or more long-term conditions [14, 60]."
)
# HRB on Torbay: the saving, and the caveat on cost-effectiveness in the next sentence
TORBAY = (
    "Torbay had the lowest use of hospital bed days in the region and the best performance in terms of length of "
    "stay. There was reduced use also of residential and of nursing homes, and an increase in the use of home care "
    "services. Patient experience also appears to be positive. The integrated management structure of Torbay "
    "saved approximately £250,000 in the first year and this money was used to develop services. Although use of "
    "acute hospitals is low, there are no data available on cost-effectiveness."
)


def test_a_sentence_that_leans_back_comes_with_what_it_leans_on(embeddings: LocalEmbeddings) -> None:
    question = "What is the evidence that integrated care reduces emergency hospital admissions?"
    sentences = _fresh(embeddings).sentences(question, question, [passage(POPP)])
    however = next(i for i, s in enumerate(sentences) if s.startswith("However, there were signs"))
    overall = next(i for i, s in enumerate(sentences) if s.startswith("“Overall we found"))
    assert overall < however, sentences
    assert not any("[60]" in s or "[14" in s for s in sentences)  # the report's own reference marks are gone


def test_the_passages_own_caveat_travels_with_the_figure(embeddings: LocalEmbeddings) -> None:
    question = "How much money did Torbay's integrated management structure save?"
    sentences = _fresh(embeddings).sentences(question, question, [passage(TORBAY)])
    assert any("£250,000" in s for s in sentences), sentences
    assert any("no data available on cost-effectiveness" in s for s in sentences), sentences


def test_sentences_about_other_programmes_are_not_given_as_the_one_asked(embeddings: LocalEmbeddings) -> None:
    tagger = ProgrammeTagger(load_gazetteer(REAL_CORPUS / "programmes.toml"))
    veterans = passage(
        "Clinical outcomes improved after the reorganisation of the Veterans Health Administration. The number of "
        "acute and long-term care beds fell from 92,000 to 53,000 while hospital bed use fell by 55 per cent.",
        doc="monitor.txt",
    )
    veterans.chunk.programmes = tagger.tag(veterans.chunk.text)
    assert veterans.chunk.programmes and "torbay" not in veterans.chunk.programmes
    torbay = passage(TORBAY)
    question = "What happened to hospital bed use in Torbay?"
    sentences = _fresh(embeddings, tagger).sentences(question, question, [veterans, torbay])
    assert sentences and all(s.endswith("[2].") for s in sentences), sentences


def test_a_definition_is_short(embeddings: LocalEmbeddings) -> None:
    answerer = _fresh(embeddings)
    question = "What is a pooled budget?"
    text = (
        "A pooled budget is a fund to which health and social care partners contribute and from which services "
        "are commissioned jointly. Pooled budgets were used in many of the partnerships studied by the authors. "
        "Partners agreed how much each would put in at the start of each financial year in most of the schemes. "
        "The pooled budget was managed by one of the partners, acting as host, in most of the areas we studied. "
        "Some partners found that pooled budgets made it easier to move money between health and social care."
    )
    assert len(answerer.sentences(question, question, [passage(text)])) <= 3


VA = (
    "The Veterans Health Administration (VA) is an example of real integration, in contrast to Kaiser Permanente. "
    "The VA employs physicians, owns and runs hospitals and medical offices within a federal budget. "
    "Although the VA is now recognised as a leader in the provision of high-quality care, this was not always so. "
    "The appointment of a new leader was the trigger for reorganisation of the VA into regional networks. "
    "It now consists of 21 networks, each of which has responsibility for resources across all care settings. "
    "The VA has reduced its use of hospital bed days by 55 per cent with no adverse health outcomes. "
    "During the six-year period after its transformation, the number of VA members increased by 75 per cent "
    "whereas the total budget increased by only 32 per cent."
)


def test_each_part_of_the_question_gets_its_evidence(embeddings: LocalEmbeddings) -> None:
    answerer = _fresh(embeddings, settings=AnswerSettings(max_sentences=3))
    question = (
        "After the VA reorganised into regional networks, what happened to its hospital bed use, membership and budget?"
    )
    sentences = answerer.sentences(question, question, [passage(VA)])
    assert any("55 per cent" in s for s in sentences), sentences
    assert any("75 per cent" in s and "32 per cent" in s for s in sentences), sentences


def test_a_question_asking_for_a_figure_gets_the_sentence_with_the_figure(embeddings: LocalEmbeddings) -> None:
    text = (
        "Participating doctors were given a monthly payment for each Medicaid patient on their list. "
        "Participating doctors were given a monthly payment of US$2.50 for each Medicaid patient on their list."
    )
    answerer = _fresh(embeddings, settings=AnswerSettings(max_sentences=1))
    asked = "What monthly payment did participating doctors get for each Medicaid patient?"
    assert answerer.sentences(asked, asked, [passage(text)])[0].startswith(
        "Participating doctors were given a monthly payment of US$2.50"
    )
    not_asked = "What were participating doctors given for each Medicaid patient on their list?"
    assert "US$2.50" not in answerer.sentences(not_asked, not_asked, [passage(text)])[0]


def test_a_numbered_list_is_quoted_whole_with_its_lead_in_and_a_list_of_questions_is_not(
    embeddings: LocalEmbeddings,
) -> None:
    text = (
        "The review set out to answer three questions:\n1. What mechanisms are available for integrating funds?\n"
        "2. What evidence is there that these are effective?\n\nShaw et al (2011) describe five main types of "
        "integration:\n\n1. Systemic – coordinating and aligning policies, rules and regulatory frameworks;\n"
        "2. Normative – developing shared values, culture and vision across organisations, groups, individuals;\n"
        "3. Organisational – coordinating structures and governance systems across organisations."
    )
    units = [u for u in ExtractiveAnswerer._prose(passage(text)) if u]
    assert units == [
        "Shaw et al (2011) describe five main types of integration: Systemic – coordinating and aligning policies, "
        "rules and regulatory frameworks; Normative – developing shared values, culture and vision across "
        "organisations, groups, individuals; Organisational – coordinating structures and governance systems across "
        "organisations."
    ]


def test_in_a_long_list_the_item_that_answers_is_quoted_with_its_lead_in_alone(embeddings: LocalEmbeddings) -> None:
    text = (
        "The Act also brought new duties and responsibilities for the NHS:\n\n"
        "- NHS bodies have a new statutory duty to notify social services of a patient's likely need for community "
        "care services.\n"
        "- There is a defined time scale (minimum of 3 days) for social services to complete the individual's "
        "assessment and provide appropriate social care services.\n"
        "- A second notification follows completion of the multidisciplinary assessment and gives notice of the "
        "proposed day on which discharge will take place (with a minimum of 24 hours notice).\n"
        "- A reimbursement charge of £100–120 per day is paid by social services to the acute trust if the fact of "
        "social services not having met their obligations is the sole reason for the delay in discharge from hospital."
    )
    answerer = _fresh(embeddings, settings=AnswerSettings(max_sentences=1))
    question = "What daily amount did a council pay the acute trust when social services were solely to blame?"
    assert answerer.sentences(question, question, [passage(text)]) == [
        "The Act also brought new duties and responsibilities for the NHS: "
        "A reimbursement charge of £100–120 per day is paid by social services to the acute trust if the fact of "
        "social services not having met their obligations is the sole reason for the delay in discharge from "
        "hospital [1]."
    ]
    short = ExtractiveAnswerer._prose(passage(text.split("\n- There")[0]))
    assert [u for u in short if u] == [
        "The Act also brought new duties and responsibilities for the NHS: NHS bodies have a new statutory duty to "
        "notify social services of a patient's likely need for community care services."
    ]


# Monitor on the Department of Health's integrated care pilots: the verdict comes three sentences after the figures
PILOTS = (
    "The national evaluation of the integrated care pilots found planned admissions fell by 4 per cent while "
    "emergency admissions rose by 2 per cent. Staff in the pilot sites reported that care had improved. "
    "Patients did not appear to share the sense of improvement. Several sites changed their model during the "
    "pilot. Fourth, “it is possible to reduce utilisation and associated costs of hospital care, but it seems to "
    "be very hard to reduce emergency admissions”. As a consequence, integration could become more difficult."
)


def test_a_passages_conclusion_on_the_question_comes_along_from_further_away(embeddings: LocalEmbeddings) -> None:
    question = "What did the national evaluation of the integrated care pilots find on emergency admissions?"
    sentences = _fresh(embeddings, settings=AnswerSettings(max_sentences=1)).sentences(
        question, question, [passage(PILOTS)]
    )
    assert sentences[0].startswith("The national evaluation of the integrated care pilots found"), sentences
    assert any("very hard to reduce emergency admissions" in s for s in sentences), sentences
    assert not any(s.startswith("As a consequence") for s in sentences), sentences


def test_a_long_lists_lead_in_is_shown_once_and_a_caveat_may_run_past_the_word_limit(
    embeddings: LocalEmbeddings,
) -> None:
    text = (
        "The evaluation later in the programme found:\n"
        "- substantial investment in design and planning lay the groundwork for a series of early adopter projects;\n"
        "- some fading of the clarity around the vision as the programme evolved, with confusion about how the "
        "programme aligned with other initiatives, highlighting the value of a 'single narrative for change';\n"
        "- a shift from the comprehensive system-wide ambition to, in practice, more of a focus on services around "
        "the acute-community interface, reflecting national priorities and local enablers;\n"
        "- a bias towards health service concerns, arising from a predominantly NHS-funded model, suggesting missed "
        "opportunities to tackle the prevention agenda.\n\n"
        "Overall the evaluation found no evidence that the programme reduced emergency admissions."
    )
    question = "What did the evaluation later in the programme find?"
    tight = AnswerSettings(max_sentences=3, max_words=60, caveat_words=20)
    sentences = _fresh(embeddings, settings=tight).sentences(question, question, [passage(text)])
    assert sum(s.startswith("The evaluation later in the programme found:") for s in sentences) == 1, sentences
    assert any("no evidence that the programme reduced emergency admissions" in s for s in sentences), sentences
    no_room = AnswerSettings(max_sentences=3, max_words=60, caveat_words=0)
    assert not any(
        "no evidence" in s for s in _fresh(embeddings, settings=no_room).sentences(question, question, [passage(text)])
    )
