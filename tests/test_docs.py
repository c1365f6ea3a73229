"""The repository stands alone: README.md and docs/ lead only to files of the repository (and to
headings that exist), every repository path they name exists, nothing sends a reader to documents
outside it, every VUORO_* variable the code reads is documented, and the committed OpenAPI schema
is the one the code makes."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", ROOT / "bench" / "README.md", *(ROOT / "docs").glob("*.md")])
# Text a reader or a developer opens: the docs, and code whose comments point at documents.
CODE_DIRS = ("vuoro", "tests", "bench", "examples", ".ci")
CODE_SUFFIXES = {".py", ".md", ".toml", ".html", ".txt", ".js", ".css", ".json", ".cfg", ".ini", ".sh"}
TOP_FILES = ("Makefile", "pyproject.toml", "gunicorn.conf.py", "manage.py", "package.json", "README.md")
# Documents that exist only outside this repository (the project's planning notes).
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", r"/work/" + "shared", r"(?<![\w.-])" + "shared/",
                               r"(?<![\w/.-])(?:" + "API|DOMAIN|DESIGN|STYLE|TOOL" + r"CHAIN)\.md\b",
                               r"(?<![\w/.-])" + "seed/"]))
LINK = re.compile(r"(?<!\!)\[[^\]\n]*\]\(([^)\s]+)\)")
# A path of the repository written out in prose or code spans: docs/x.md, vuoro/booking/views.py, ...
# (a glob such as tests/booking/test_waitlist*.py is read up to its first wildcard, and must match a file).
REPO_PATH = re.compile(r"(?<![\w./-])((?:docs|vuoro|tests|bench|examples|\.ci)/[\w./-]*[\w/])(\*?)")
GENERATED = ("bench/results",)  # what the benchmarks write (ignored by git), named as where to look


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in path.read_text().splitlines() if re.match(r"#{1,6} ", line)}


def _code_blocks_removed(text: str) -> str:
    """The text without fenced code blocks (example files and shell sessions there name no document)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def _code_files() -> list[Path]:
    found = [ROOT / name for name in TOP_FILES if (ROOT / name).exists()]
    for folder in CODE_DIRS:
        found += [path for path in (ROOT / folder).rglob("*")
                  if path.is_file() and path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts
                  and path != Path(__file__).resolve()]
    return found + DOCS


def test_there_are_documents_to_check():
    assert ROOT / "README.md" in DOCS and ROOT / "docs" / "api.md" in DOCS and len(DOCS) > 8


@pytest.mark.parametrize("path", DOCS, ids=_relative)
def test_every_relative_link_leads_to_a_file_of_the_repository_and_a_heading_there(path):
    broken = []
    for target in LINK.findall(_code_blocks_removed(path.read_text())):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        file_part, _hash, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_relative_to(ROOT) or not linked.exists():
            broken.append(f"{target}: no such file in the repository")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: {_relative(linked)} has no heading #{anchor}")
    assert not broken, f"{_relative(path)}:\n" + "\n".join(broken)


@pytest.mark.parametrize("path", DOCS, ids=_relative)
def test_every_repository_path_named_exists(path):
    missing = set()
    for found, wildcard in REPO_PATH.findall(path.read_text()):
        found = found.rstrip(".")
        if found.startswith(GENERATED):
            continue
        exists = any(ROOT.glob(found + "*")) if wildcard else (ROOT / found).exists()
        if not exists:
            missing.add(found + wildcard)
    missing = sorted(missing)
    assert not missing, f"{_relative(path)} names paths the repository does not have: {missing}"


def test_nothing_sends_a_reader_outside_the_repository():
    found = []
    for path in _code_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{_relative(path)}:{number}: {line.strip()[:140]}")
    assert not found, ("these point at documents outside the repository; point at docs/ instead "
                       "(docs/api.md, docs/domain.md, docs/design.md, docs/style.md, docs/development.md):\n"
                       + "\n".join(found))


def _documented_variables() -> set[str]:
    """The VUORO_* names docs/deploy.md's table gives, `VUORO_SMTP_HOST`, `_PORT` read as VUORO_SMTP_PORT."""
    names = set()
    for line in (ROOT / "docs" / "deploy.md").read_text().splitlines():
        last = None
        for token in re.findall(r"`(VUORO_[A-Z0-9_]+|_[A-Z0-9_]+)`", line):
            if token.startswith("VUORO_"):
                names.add(token)
                last = token
            elif last:
                names.add(last.rsplit("_", 1)[0] + token)
    return names


def test_every_variable_the_code_reads_is_in_the_deployment_guide():
    sources = [*(ROOT / "vuoro").rglob("*.py"), ROOT / "gunicorn.conf.py"]
    read = {name for path in sources for name in re.findall(r"""["'](VUORO_[A-Z0-9_]+)["']""", path.read_text())}
    assert read, "no VUORO_* variable found in the code"
    assert not read - _documented_variables(), f"not in docs/deploy.md: {sorted(read - _documented_variables())}"


@pytest.mark.django_db
def test_the_committed_openapi_schema_is_the_one_the_server_gives(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == served.json(), "docs/openapi.json is out of date: run `make openapi` and commit it"
