"""testkit/compare.py on two small JUnit XML reports (no server involved)."""

from __future__ import annotations

from testkit import compare

REPORT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.s3.test_a" name="test_one[moto]" time="0.1" />
<testcase classname="tests.s3.test_a" name="test_gap" time="0.1">
  <properties><property name="known_gap" value="wrong today" /></properties>{gap}</testcase>
<testcase classname="tests.s3.test_b" name="test_two" time="0.1">{two}</testcase>
</testsuite></testsuites>"""


def test_table_of_two_reports(tmp_path):
    ours, stock = tmp_path / "ours.xml", tmp_path / "stock.xml"
    ours.write_text(REPORT.format(gap="", two=""))
    stock.write_text(REPORT.format(gap='<skipped message="no" />', two='<failure message="boom" />'))
    (o, gaps), (s, _) = compare.load(str(ours)), compare.load(str(stock))
    assert o == {"tests/s3/test_a.py::test_one[moto]": "passed", "tests/s3/test_a.py::test_gap": "passed",
                 "tests/s3/test_b.py::test_two": "passed"}
    assert s["tests/s3/test_b.py::test_two"] == "failed" and s["tests/s3/test_a.py::test_gap"] == "skipped"
    assert gaps == {"tests/s3/test_a.py::test_gap"}
    lines = compare.table(o, s, gaps).splitlines()
    assert "| passed | 3 | 1 |" in lines and "| failed | 0 | 1 |" in lines and "| skipped | 0 | 1 |" in lines
    assert "### Outcomes that differ (2)" in lines
    assert "| `tests/s3/test_b.py::test_two` | pass | **FAIL** |  |" in lines
    assert "| `tests/s3/test_a.py::test_gap` | pass | skip | known gap |" in lines
