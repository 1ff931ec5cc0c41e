"""What is not an answer sentence: table debris, captions, headings glued to text, reference entries, URLs,
signposting.

Text extracted from PDFs interleaves prose with table rows ("Knowsley PCT x Clinical care is main focus"),
pipe-separated cells and footnote-number tails ("…are integrated:11, 13, 14"). The extractive answerer
skips fragments and the evaluation counts any that reach an answer, with this one detector.
"""

from __future__ import annotations

import re

_MIN_WORDS = 6
MAX_SENTENCE_WORDS = 90
"""Longer is a run of text the extractor failed to split, or a list: no reader takes it as one sentence."""
_REFERENCE_LIKE = re.compile(r"(\(\d{4}[a-z]?\)|\d{4}[a-z]?\.)\s*[A-Z\"“].*(Journal|Press|Report|Review|pp\.)")
_CAPTION = re.compile(r"^(Table|Figure|Fig\.|Box|Chart|Exhibit|Case study|Annex|Appendix)\s*\d", re.IGNORECASE)
_ENDS_SENTENCE = re.compile(r"[.!;][\"'”’)\]]*$")
_CHECK_COLUMN = re.compile(r"(?:^|\s)[xX✓✔✗√]\s+(?=[A-Z])|\s[✓✔✗√](?:\s|$)")
_URL = re.compile(r"https?://|www\.\w|\b\w+\.(?:org|com|gov|nhs)\.uk\b|\b\w+\.(?:org|com|net|gov)\b/")
_LIST_NUMBER = re.compile(r"^\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s")
_GLUED_HEADING = re.compile(r"^[A-Z][\w ,&/’'\-]{0,60}?\s*\(\d+\)\s*:")
# digits glued to a word ('UK48, 50', 'integrated:11, 13'), never after a digit or a comma ('1,920', '10:30')
_FOOTNOTE_TAIL = re.compile(r"(?:(?<=[A-Za-z)\]’”])|(?<=[A-Za-z]:))\d{1,3}(?:\s*[,–-]\s*\d{1,3})*(?=[\s.,;:)]|$)")
_NUMBERISH = re.compile(r"^[\d.,%£$€\-–]+$")
_SIGNPOST = re.compile(
    r"^(?:(?:Tables?|Figures?|Boxes?|Annex(?:es)?|Appendi(?:x|ces))\b[^.]{0,40}?\b(?:below|above|opposite|overleaf|"
    r"summari[sz]e|summari[sz]es|sets? out|lists?|outlines?)(?! that)|(?:This|The (?:following|"
    r"next|previous)) (?:section|chapter|paper|report|annex)s? (?:summari[sz]es|describes|sets out|presents|outlines|"
    r"looks at|considers|discusses|examines|reviews|explores|provides|focuses))\b",
    re.IGNORECASE,
)  # 'Tables 1 and 2 (see pages 26–27) summarise …', 'This section examines …': the report about itself
_GLUED_SIGNPOST = re.compile(
    r"\w (?:This|The following) (?:section|chapter|paper|report|annex)s? (?:summari[sz]es|"
    r"describes|sets out|presents|outlines|looks at|considers|discusses|examines|reviews|explores|provides|focuses)\b"
)  # the same after a heading glued to it: '… stakeholder discussions and case studies This section presents …'
_ENUMERATOR = re.compile(r"(?<!\S)(?:[a-z]|\d{1,2}|[ivx]{1,4})\)")  # 'recognise that a) …, and b) …'


def _cut_inside_brackets(sentence: str) -> bool:
    """A ')' closing no '(' (other than a list's 'a)'), or a '(' never closed: the text was cut inside a bracket
    ('Discharges etc.) Act 2003 …', '… funds (SA Healthplus; SHCN;', '… psychosocial conditions (e.g.')."""
    enumerators = {m.end() - 1 for m in _ENUMERATOR.finditer(sentence)}
    depth = 0
    for i, char in enumerate(sentence):
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif char == ")" and i not in enumerators:
            return True
    return depth > 0


def strip_footnote_marks(sentence: str) -> str:
    """'integrated:11, 13, 14' → 'integrated:'; 'in the UK48, 50' → 'in the UK': report footnotes, not facts."""
    return _FOOTNOTE_TAIL.sub("", sentence)


def fragment_reason(sentence: str) -> str | None:
    """Why `sentence` is not a whole prose sentence, or None if it is one."""
    words = sentence.split()
    if not _MIN_WORDS <= len(words) <= MAX_SENTENCE_WORDS:
        return "length"
    if "|" in sentence:
        return "table row"
    if _CHECK_COLUMN.search(sentence):
        return "table check-mark column"
    if sum(bool(_NUMBERISH.match(w)) for w in words) > len(words) / 3:
        return "table of figures"
    if _URL.search(sentence):
        return "URL"
    if _REFERENCE_LIKE.search(sentence):
        return "reference entry"
    if _CAPTION.match(sentence):
        return "caption"
    if _LIST_NUMBER.match(sentence) or _GLUED_HEADING.match(sentence):
        return "list number or heading"
    if _SIGNPOST.search(sentence) or _GLUED_SIGNPOST.search(sentence):
        return "signposting"
    if _FOOTNOTE_TAIL.search(sentence):
        return "footnote numbers"
    if sentence[0].islower() or sentence.rstrip("\"'”’) ").endswith(("?", ":")) or _cut_inside_brackets(sentence):
        return "fragment"  # cut mid-sentence or inside a bracket, a question put to respondents, or a list lead-in
    if not _ENDS_SENTENCE.search(sentence) and len(words) < 15:
        return "fragment"
    return None
