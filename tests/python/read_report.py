"""Reads a run's junit.xml with junitparser (what CI reporters build on) and
parses its report.html with html5lib in strict mode (the WHATWG parsing
algorithm; any parse error raises). Prints one JSON summary; exit 3 when a
module is missing (the Rust test then says it skipped)."""
import json
import sys

try:
    import html5lib
    from junitparser import Error, Failure, JUnitXml, Skipped
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(3)

junit_path, html_path = sys.argv[1], sys.argv[2]
xml = JUnitXml.fromfile(junit_path)
cases = []
suites = list(xml) if hasattr(xml, "__iter__") else [xml]
for suite in suites:
    for case in suite:
        kinds = [type(r).__name__.lower() for r in case.result]
        cases.append({"name": case.name, "time": case.time, "result": kinds,
                      "message": [r.message for r in case.result]})
summary = {
    "tests": xml.tests, "failures": xml.failures, "errors": xml.errors,
    "skipped": xml.skipped, "cases": cases,
}
with open(html_path, encoding="utf-8") as f:
    text = f.read()
parser = html5lib.HTMLParser(strict=True)
doc = parser.parse(text)
ns = "{http://www.w3.org/1999/xhtml}"
summary["html_title"] = doc.find(f".//{ns}title").text
summary["svg_count"] = len(doc.findall(f".//{{http://www.w3.org/2000/svg}}svg"))
summary["external"] = [
    el.get("src") or el.get("href")
    for el in doc.iter()
    if (el.get("src") or el.get("href") or "").startswith(("http:", "https:", "//"))
]
print(json.dumps(summary))
