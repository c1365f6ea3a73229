import json
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe_violations():
    """Run axe-core on the page; returns the WCAG 2.1 A/AA violations (empty when the page passes)."""

    def check(page):
        if not page.evaluate("() => typeof axe !== 'undefined'"):  # not already loaded by an init script
            page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            # Only violations are collected: the passes axe would list too take twice the time.
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})", WCAG_TAGS)
        return [{"id": v["id"], "help": v["help"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
                for v in result["violations"]]

    return check


def pretty(violations) -> str:
    return json.dumps(violations, indent=1, ensure_ascii=False)
