"""Side-by-side table of two runs of the S3 suite, ours and stock pysam:

    python -m testkit.compare OURS.xml STOCK.xml > table.md

Each argument is a JUnit XML report (pytest --junitxml). Prints Markdown: the
totals, the tests whose outcome differs, then every test with both outcomes;
tests marked known_gap are flagged. Standard library only.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter

OUTCOMES = ("passed", "failed", "error", "skipped")
SHOWN = {"passed": "pass", "failed": "**FAIL**", "error": "**ERROR**", "skipped": "skip", None: "(not run)"}


def load(path: str) -> tuple[dict[str, str], set[str]]:
    """{test id: outcome} and the ids marked known_gap, from one JUnit XML file."""
    outcomes, gaps = {}, set()
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        found = [tag for tag in ("error", "failure", "skipped") if case.find(tag) is not None]
        outcomes[test_id] = {"error": "error", "failure": "failed", "skipped": "skipped"}[found[0]] \
            if found else "passed"
        if any(p.get("name") == "known_gap" for p in case.iter("property")):
            gaps.add(test_id)
    return outcomes, gaps


def table(ours: dict[str, str], stock: dict[str, str], gaps: set[str]) -> str:
    ids = sorted(set(ours) | set(stock))
    differ = [t for t in ids if ours.get(t) != stock.get(t)]

    def row(t: str) -> str:
        note = "known gap" if t in gaps else ""
        return f"| `{t}` | {SHOWN[ours.get(t)]} | {SHOWN[stock.get(t)]} | {note} |"

    head = "| test | ours | stock | note |\n|---|---|---|---|"
    totals_ours, totals_stock = Counter(ours.values()), Counter(stock.values())
    lines = ["| | ours | stock |", "|---|---|---|"]
    lines += [f"| {o} | {totals_ours[o]} | {totals_stock[o]} |" for o in OUTCOMES]
    lines += [f"| known gaps (pinned, passing) | {sum(ours.get(t) == 'passed' for t in gaps)} "
              f"| {sum(stock.get(t) == 'passed' for t in gaps)} |",
              f"| **total** | {len(ours)} | {len(stock)} |", ""]
    lines += [f"### Outcomes that differ ({len(differ)})", ""]
    lines += [head, *map(row, differ)] if differ else ["None: both runs give the same outcome for every test."]
    lines += ["", f"### Every test ({len(ids)})", "", head, *map(row, ids)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    (ours, ours_gaps), (stock, stock_gaps) = load(argv[0]), load(argv[1])
    sys.stdout.write(table(ours, stock, ours_gaps | stock_gaps))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
