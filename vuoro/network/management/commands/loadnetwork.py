from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vuoro.network.networkfile import NetworkFileError, parse_network
from vuoro.network.services import network_load


class Command(BaseCommand):
    help = "Create or update the service network from a TOML network file (see API.md). Refused whole on any error."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the network file")
        parser.add_argument("--check", action="store_true", help="only check the file; write nothing")

    def handle(self, *args, file, check=False, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot read: {error}") from None
        try:
            spec = parse_network(text, filename=str(file))
        except NetworkFileError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(f"{file}: refused, {len(error.problems)} problem(s); nothing was written") from None
        if check:
            self.stdout.write(f"{file}: ok ({len(spec.services)} services, {len(spec.service_points)} service points)")
            return
        report = network_load(spec=spec)
        if not report.changed:
            self.stdout.write(f"{file}: nothing to change")
            return
        if options["verbosity"] == 0:
            return
        if options["verbosity"] >= 2:
            for line in report.created:
                self.stdout.write(f"created {line}")
            for line in report.updated:
                self.stdout.write(f"updated {line}")
        self.stdout.write(f"{file}: {len(report.created)} created, {len(report.updated)} updated")
