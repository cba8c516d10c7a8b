from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from access.identifiers import parse_enterprise_number
from access.models import Enterprise, OnlineService
from ebox.services import message_post


class Command(BaseCommand):
    help = "Post a message from an institution into an enterprise's e-Box."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("enterprise", help="enterprise number, e.g. 0403.019.261")
        parser.add_argument("--institution", required=True)
        parser.add_argument("--subject", required=True)
        parser.add_argument("--body", required=True)
        parser.add_argument("--language", default="fr", help="language of the subject and body: fr, nl, de or en")
        parser.add_argument(
            "--translation",
            nargs=3,
            action="append",
            default=[],
            metavar=("LANGUAGE", "SUBJECT", "BODY"),
            help="the message in another language; repeat for each",
        )
        parser.add_argument("--service", help="code of the online service the readers must hold")
        parser.add_argument("--expires", help="expiry date, e.g. 2027-01-31")

    def handle(self, *args: object, **options: Any) -> None:
        try:
            enterprise = Enterprise.objects.get(number=parse_enterprise_number(options["enterprise"]))
        except Exception as exc:  # noqa: BLE001 - an invalid or unknown number: one clear message
            raise CommandError(f"No enterprise {options['enterprise']}") from exc
        service = None
        if options.get("service"):
            service = OnlineService.objects.filter(code=options["service"]).first()
            if service is None:
                raise CommandError(f"No online service {options['service']!r}")
        expires = None
        if options.get("expires"):
            expires = timezone.make_aware(datetime.fromisoformat(options["expires"]))
        translations = {
            language: {"subject": subject, "body": body} for language, subject, body in options["translation"]
        }
        try:
            message = message_post(
                enterprise=enterprise,
                sender_institution=options["institution"],
                subject=options["subject"],
                body=options["body"],
                required_service=service,
                expires_at=expires,
                language=options["language"],
                translations=translations,
                posted_by="manage.py post_ebox_message",
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Posted message {message.pk} to {enterprise}.")
