import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from access.services.register import COLUMNS, register_import


class Command(BaseCommand):
    help = "Import enterprises, their groups and legal representatives from a register CSV file (all or nothing)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("path", type=Path, help=f"CSV with the columns: {', '.join(COLUMNS)}")

    def handle(self, *args: object, path: Path, **options: object) -> None:
        with path.open(newline="", encoding="utf-8-sig") as file:
            rows = list(csv.DictReader(file))
        result = register_import(rows)
        if result.errors:
            raise CommandError("Nothing imported:\n" + "\n".join(result.errors))
        self.stdout.write(
            f"Imported {result.enterprises} new enterprise(s) and {result.representatives} legal representative(s)."
        )
