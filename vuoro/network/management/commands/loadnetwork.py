from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from vuoro.network.changes import ChangeNeedsConfirmation
from vuoro.network.file_load import network_file_load, operator_name
from vuoro.network.networkfile import NetworkFileError

OUTCOMES = {"desk": "kept at its time on another desk", "moved": "moved to {new}", "cancelled": "cancelled"}


def describe(item) -> str:
    """One affected booking as a line: key, point, local start, and what becomes of it."""
    new = f"{item.new_local_start:%Y-%m-%d %H:%M}" if item.new_local_start else ""
    return (f"{item.label} {item.point_id} {item.local_start:%Y-%m-%d %H:%M %z}: "
            f"{OUTCOMES[item.outcome].format(new=new)}")


class Command(BaseCommand):
    help = ("Create or update the service network from a TOML network file (see docs/network-file.md). Refused "
            "whole on any error, and when it would move or cancel bookings unless --move-affected is given.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the network file")
        parser.add_argument("--check", action="store_true",
                            help="only check the file and list the bookings it would move or cancel; write nothing")
        parser.add_argument("--move-affected", action="store_true",
                            help="move (or, when nothing fits that day, cancel) the bookings the change leaves "
                                 "without a desk, and tell their customers")

    def handle(self, *args, file, check=False, move_affected=False, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
            data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot read: {error}") from None
        try:
            # A kept load is written to the audit log: by whom, the file's SHA-256, what it changed.
            spec, outcome = network_file_load(data=data, filename=str(file), now=timezone.now(),
                                              confirmed=move_affected, preview=check, operator=operator_name())
        except NetworkFileError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(f"{file}: refused, {len(error.problems)} problem(s); nothing was written") from None
        except ChangeNeedsConfirmation as refused:
            stranded = [item for item in refused.affected if item.stranded]
            for item in stranded:
                self.stderr.write(describe(item))
            raise CommandError(f"{file}: refused, {len(stranded)} booking(s) would lose their time (listed above); "
                               "nothing was written. Run again with --move-affected to move them, or cancel "
                               "those that fit nowhere that day; their customers are told.") from None
        report = outcome.result
        if check:
            for item in outcome.affected:
                self.stdout.write(f"would be {describe(item)}" if item.stranded else describe(item))
            self.stdout.write(f"{file}: ok ({len(spec.services)} services, {len(spec.service_points)} service points"
                              f"; {len(outcome.stranded)} booking(s) would lose their time)")
            return
        for item in outcome.stranded:
            self.stdout.write(describe(item))
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
            for item in outcome.affected:
                if not item.stranded:
                    self.stdout.write(describe(item))
        self.stdout.write(f"{file}: {len(report.created)} created, {len(report.updated)} updated"
                          + (f", {len(outcome.stranded)} booking(s) moved or cancelled" if outcome.stranded else ""))
