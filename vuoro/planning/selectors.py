"""What the planning page reads: the shipped examples, saved scenarios and the networks to run them on."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from vuoro.network.networkfile import NetworkFileError, NetworkSpec, parse_network
from vuoro.network.selectors import network_export
from vuoro.parsing import or_none, parse_int
from vuoro.planning.models import NETWORK_FROM_DATABASE, Scenario
from vuoro.planning.scenario import ScenarioError

EXAMPLE_PREFIX, SAVED_PREFIX = "example:", "saved:"


@dataclass(frozen=True, slots=True)
class ScenarioSource:
    """A scenario to open in the page: its key in the page's list, its name, text and network."""

    key: str
    name: str
    text: str
    network: str


def examples_dir() -> Path:
    return Path(settings.PROJECT_DIR) / "examples"


def _example_tables() -> list[tuple[Path, dict]]:
    found = []
    for path in sorted(examples_dir().glob("*.toml")):
        try:
            found.append((path, tomllib.loads(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # the tests of examples/ catch a broken example; the page just leaves it out
    return found


def example_network_names() -> list[str]:
    """The network files shipped in examples/, by file name."""
    return [path.name for path, table in _example_tables() if "service_points" in table]


def example_scenario_list() -> list[ScenarioSource]:
    """The shipped scenarios with a [backlog] part: the page runs only that part."""
    networks = set(example_network_names())
    sources = []
    for path, table in _example_tables():
        if isinstance(table.get("backlog"), dict):
            named = table["backlog"].get("network")
            sources.append(ScenarioSource(
                key=EXAMPLE_PREFIX + path.name, name=path.stem, text=path.read_text(encoding="utf-8"),
                network=named if named in networks else NETWORK_FROM_DATABASE))
    return sources


def scenario_list() -> QuerySet[Scenario]:
    return Scenario.objects.order_by("name")


def scenario_source_get(*, key: str) -> ScenarioSource | None:
    """An example (`example:summer-2021.toml`) or a saved scenario (`saved:7`); None if there is none."""
    if key.startswith(EXAMPLE_PREFIX):
        return next((source for source in example_scenario_list() if source.key == key), None)
    saved_id = or_none(parse_int, key[len(SAVED_PREFIX):], minimum=1) if key.startswith(SAVED_PREFIX) else None
    if saved_id is not None:
        saved = Scenario.objects.filter(pk=saved_id).first()
        if saved is not None:
            return ScenarioSource(key=key, name=saved.name, text=saved.text, network=saved.network)
    return None


def network_get(*, choice: str) -> NetworkSpec:
    """The network stored in the database, or an example network file; ScenarioError if it cannot be read.

    Only these: a path typed into the page is never read.
    """
    if choice == NETWORK_FROM_DATABASE:
        return network_export()
    if choice not in example_network_names():
        raise ScenarioError([f"{choice}: no such network file in examples/"])
    path = examples_dir() / choice
    try:
        return parse_network(path.read_text(encoding="utf-8"), filename=choice)
    except NetworkFileError as error:
        raise ScenarioError(error.problems) from None
