"""Chart.js is served from our own server: the copy, its README line and package.json agree."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "vuoro" / "static" / "vuoro" / "vendor"


def test_the_vendored_chart_js_is_the_pinned_version():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["chart.js"]
    header = (VENDOR / "chart.umd.min.js").read_text(encoding="utf-8")[:200]
    assert re.search(r"Chart\.js v(\S+)", header).group(1) == pinned
    assert f"| {pinned} |" in (VENDOR / "README.md").read_text()


def test_no_page_loads_a_script_from_elsewhere():
    for template in (ROOT / "vuoro").rglob("*.html"):
        assert not re.search(r"<script[^>]+src=\"(https?:)?//", template.read_text()), template
