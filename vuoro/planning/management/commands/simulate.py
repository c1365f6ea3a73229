import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vuoro.planning.report import progress_bar, result_json, result_text
from vuoro.planning.scenario import ScenarioError, load_scenario, run_scenario

# Runs this large take about a second or more: worth a progress bar.
LONG_WALK_IN_ARRIVALS = 1_000_000
LONG_BACKLOG_WEEKS = 26


class Command(BaseCommand):
    help = "Simulate a scenario file: the walk-in queue and/or the appointment backlog (see docs/simulate.md)."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="the scenario file (TOML)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print one JSON object (docs/api.md) and nothing else")
        parser.add_argument("--progress", choices=["auto", "always", "never"], default="auto",
                            help="progress bar on stderr: auto = for long runs on a terminal, without --json")

    def handle(self, *args, scenario, as_json=False, progress="auto", **options):
        try:
            loaded = load_scenario(Path(scenario))
        except ScenarioError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(f"{scenario}: refused, {len(error.problems)} problem(s)", returncode=2) from None
        on_progress = self._progress_bar() if self._wants_progress(loaded, progress, as_json) else None
        result = run_scenario(scenario=loaded, on_progress=on_progress)
        if on_progress is not None:
            self.stderr.write("")
        if as_json:
            self.stdout.write(json.dumps(result_json(result), ensure_ascii=False))
        else:
            self.stdout.write(result_text(result))

    def _wants_progress(self, loaded, progress: str, as_json: bool) -> bool:
        if progress != "auto":
            return progress == "always"
        if as_json or not self.stderr.isatty():
            return False
        walk_in, backlog = loaded.walk_in, loaded.backlog
        long_walk_in = walk_in is not None and walk_in.arrivals_per_hour * walk_in.hours >= LONG_WALK_IN_ARRIVALS
        return long_walk_in or (backlog is not None and backlog.weeks >= LONG_BACKLOG_WEEKS)

    def _progress_bar(self):
        def show(part: str, share_done: float) -> None:
            self.stderr.write(progress_bar(part, share_done), ending="")
            self.stderr.flush()

        return show

