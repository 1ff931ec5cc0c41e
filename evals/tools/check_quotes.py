"""Check that every quote in a question file occurs in its source report (whitespace-normalised)."""

import json
import re
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def main(path: str) -> int:
    texts = {p.name: norm(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}
    bad = 0
    ids: set[str] = set()
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        q = json.loads(line)
        if q["id"] in ids:
            print(f"line {line_no}: duplicate id {q['id']}")
            bad += 1
        ids.add(q["id"])
        for quote in q.get("quotes", []):
            if not 40 <= len(quote) <= 200:
                print(f"{q['id']}: quote length {len(quote)} outside 40-200: {quote[:60]!r}")
                bad += 1
            if not any(norm(quote) in texts.get(s, "") for s in q.get("sources", [])):
                print(f"{q['id']}: quote not found in {q.get('sources')}: {quote[:80]!r}")
                bad += 1
        for fact in q.get("key_facts", []):
            if not any(norm(fact) in texts.get(s, "") for s in q.get("sources", [])):
                print(f"{q['id']}: key fact not verbatim in sources: {fact!r}")
                bad += 1
    print(f"{len(ids)} questions, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
