"""Demo data for `make run`: enterprises with every standing, users, e-Box messages, and a client
of the decision point."""

from datetime import date, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from access.identifiers import make_niss
from access.models import (
    ApprovalRequest,
    Designation,
    Domain,
    Enterprise,
    Grant,
    Group,
    GroupBlock,
    LegalRepresentative,
    Membership,
    OnlineService,
    Person,
    RoleType,
)
from access.policy import APPROVAL_DAYS, DesignationKind
from chaman.credentials import parse_certificate, parse_ssh_public_key
from chaman.models import Channel, ChannelKind, Sender, TechnicalContact
from contactdata.models import Address, ContactData, DomainContact
from decisions.models import Client
from ebox.models import Message, Task
from mandates.models import Mandate, MandateAccess

DEMO_PASSWORD = "portal-demo"  # noqa: S105 - printed in the README for newcomers
# The demo's client of the decision point, as the Dimona online service would be registered; its
# secret is printed in the README, so it exists only where the demo is loaded (DEBUG=1).
DEMO_CLIENT_ID = "demo-dimona"
DEMO_CLIENT_SECRET = "portal-demo-dimona-secret"  # noqa: S105 - printed in the README for newcomers
DEMO_CLIENT_SERVICES = ("dimona", "dmfa", "ebox")

GIVEN_NAMES = [
    "Emma",
    "Lucas",
    "Olivia",
    "Noah",
    "Louise",
    "Arthur",
    "Mila",
    "Jules",
    "Elena",
    "Adam",
    "Lina",
    "Victor",
]
SURNAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Dubois"]


def _person(username: str | None, given: str, surname: str, niss: str, language: str = "fr") -> Person:
    user = None
    if username:
        user = get_user_model().objects.create_user(
            username=username, password=DEMO_PASSWORD, first_name=given, last_name=surname
        )
    return Person.objects.create(
        user=user,
        niss=niss,
        given_name=given,
        surname=surname,
        email=f"{(username or given).lower()}@example.be",
        preferred_language=language,
    )


def _enterprise(number: str, name: str, roles: list[str]) -> tuple[Enterprise, dict[str, Group]]:
    enterprise = Enterprise.objects.create(
        number=number, name=name, status=Enterprise.Status.ACTIVE, activated_at=timezone.now()
    )
    groups = {
        code: Group.objects.create(enterprise=enterprise, role_type=RoleType.objects.get(code=code)) for code in roles
    }
    return enterprise, groups


def _member(person: Person, group: Group, services: list[str], by: Person) -> Membership:
    membership = Membership.objects.create(person=person, group=group, created_by=by)
    for service in group.role_type.services.filter(code__in=services):
        Grant.objects.create(membership=membership, service=service, granted_by=by)
    return membership


@transaction.atomic
def load_demo(users: int = 50) -> bool:
    """Create the demo world once; answers False when it is already there."""
    if Enterprise.objects.filter(number="0403019261").exists():
        return False
    bakery, groups = _enterprise("0403019261", "Boulangerie Dupont SA", ["employer", "pension_fund", "taxpayer"])
    nsso = Domain.objects.get(code="nsso_employer")

    lr = _person("lr", "Louise", "Renard", make_niss(date(1962, 3, 14), 21))
    mam = _person("mam", "Marc", "Lambert", make_niss(date(1975, 6, 2), 33))
    comam = _person("comam", "Chloé", "Martin", make_niss(date(1980, 11, 23), 45), "fr")
    am = _person("am", "Anke", "Peeters", make_niss(date(1984, 1, 9), 57), "nl")
    gm = _person("gm", "Gilles", "Dubois", make_niss(date(1988, 7, 30), 69))
    user = _person("user", "Ulla", "Schmidt", make_niss(date(1991, 5, 17), 71), "de")

    LegalRepresentative.objects.create(person=lr, enterprise=bakery, valid_from=date(2020, 1, 1))
    # A MAM and a co-MAM: designating a co-MAM or an Access Manager waits for the other's approval
    # (docs/design.md §5.15); one such request waits, the co-MAM's, for the MAM to approve.
    Designation.objects.create(enterprise=bakery, person=mam, kind=DesignationKind.MAIN, designated_by=lr)
    Designation.objects.create(enterprise=bakery, person=comam, kind=DesignationKind.CO_MAIN, designated_by=mam)
    Designation.objects.create(
        enterprise=bakery, person=am, kind=DesignationKind.ACCESS_MANAGER, domain=nsso, designated_by=mam
    )
    Designation.objects.create(
        enterprise=bakery, person=gm, kind=DesignationKind.GROUP_MANAGER, group=groups["employer"], designated_by=am
    )
    _member(user, groups["employer"], ["dimona", "dmfa"], gm)

    service_sets = {
        "employer": [["dimona"], ["dimona", "dmfa"], ["drs", "checkinatwork"], []],
        "pension_fund": [["db2p"], []],
        "taxpayer": [["myminfin", "intervat"], ["biztax"]],
    }
    codes = list(groups)
    for i in range(users):
        person = _person(
            None,
            GIVEN_NAMES[i % len(GIVEN_NAMES)],
            SURNAMES[(i * 7) % len(SURNAMES)],
            make_niss(date(1970 + i % 30, 1 + i % 12, 1 + i % 28), 101 + 2 * i),
        )
        code = codes[i % len(codes)]
        membership = _member(person, groups[code], service_sets[code][i % len(service_sets[code])], mam)
        if i % 7 == 3:
            membership.status = Membership.Status.BLOCKED
            membership.blocked_by = mam
            membership.blocked_at = timezone.now()
            membership.block_reason = "Left the payroll team"
            membership.save()
            GroupBlock.objects.create(
                membership=membership, blocked_by=mam, blocked_at=membership.blocked_at, reason=membership.block_reason
            )

    ApprovalRequest.objects.create(
        enterprise=bakery,
        kind="designation",
        params={"kind": DesignationKind.ACCESS_MANAGER.value, "domain": "finance"},
        target=user,
        requested_by=comam,
        expires_at=timezone.now() + timedelta(days=APPROVAL_DAYS),
    )

    _ebox(bakery)
    _chaman(bakery)
    _contact_data(bakery, nsso)

    # A new enterprise whose Main Access Manager has not logged in yet: she activates it by logging
    # in through the identity provider (she has no password).
    brewery, _brewery_groups = _enterprise("0441234588", "Brasserie Nieuwland SRL", ["employer", "taxpayer"])
    brewery.status = Enterprise.Status.PENDING
    brewery.activated_at = None
    brewery.save(update_fields=["status", "activated_at"])
    LegalRepresentative.objects.create(person=lr, enterprise=brewery, valid_from=date(2024, 6, 1))
    newcomer = _person(None, "Nina", "Nieuwland", make_niss(date(1993, 8, 12), 95), "nl")
    Designation.objects.create(enterprise=brewery, person=newcomer, kind=DesignationKind.MAIN, designated_by=lr)

    transport, transport_groups = _enterprise("0428759497", "Transports Janssens SRL", ["employer"])
    other = _person("other", "Olivier", "Janssens", make_niss(date(1970, 2, 2), 83), "nl")
    Designation.objects.create(enterprise=transport, person=other, kind=DesignationKind.MAIN)
    for i in range(5):
        person = _person(None, GIVEN_NAMES[-1 - i], "Janssens", make_niss(date(1990 + i, 4, 4), 301 + 2 * i), "nl")
        _member(person, transport_groups["employer"], ["dimona"], other)
    _secretariat(transport)
    return True


def _secretariat(transport: Enterprise) -> None:
    """A social secretariat acting for three client enterprises under mandates, its users given
    Dimona and DmfA for them; the bakery gives it none yet (its MAM offers one in the journey)."""
    secretariat, secretariat_groups = _enterprise("0456789034", "Secrétariat social Lumen ASBL", ["employer"])
    ssmam = _person("ssmam", "Sophie", "Leclercq", make_niss(date(1979, 9, 21), 121), "en")
    ssuser = _person("ssuser", "Samir", "Haddad", make_niss(date(1990, 12, 3), 123), "en")
    Designation.objects.create(enterprise=secretariat, person=ssmam, kind=DesignationKind.MAIN)
    _member(ssuser, secretariat_groups["employer"], [], ssmam)
    colleague = _person(None, "Inès", "Vandamme", make_niss(date(1985, 2, 11), 125), "fr")
    _member(colleague, secretariat_groups["employer"], [], ssmam)
    cafe, _cafe_groups = _enterprise("0412345614", "Café du Parc SRL", ["employer"])
    garage, _garage_groups = _enterprise("0765432146", "Garage Peeters BV", ["employer"])
    for client, (given, surname, serial) in ((cafe, ("Camille", "Dupuis", 127)), (garage, ("Pieter", "Peeters", 129))):
        owner = _person(None, given, surname, make_niss(date(1972, 5, 5), serial), "fr" if client == cafe else "nl")
        Designation.objects.create(enterprise=client, person=owner, kind=DesignationKind.MAIN)
    dimona, dmfa = OnlineService.objects.get(code="dimona"), OnlineService.objects.get(code="dmfa")
    quarter = date(timezone.localdate().year, 1, 1)
    for client, services, people in (
        (transport, [dimona], [ssuser]),
        (cafe, [dimona, dmfa], [ssuser, colleague]),
        (garage, [dimona, dmfa], [colleague]),
    ):
        mandate = Mandate.objects.create(
            principal=client,
            provider=secretariat,
            starts_on=quarter,
            status=Mandate.Status.ACCEPTED,
            offered_by=client.designations.get(kind=DesignationKind.MAIN).person,
            answered_by=ssmam,
            answered_at=timezone.now(),
        )
        mandate.services.set(services)
        for person in people:
            for service in services:
                MandateAccess.objects.create(mandate=mandate, person=person, service=service, granted_by=ssmam)
    _small_clients(secretariat, ssmam, [dimona, dmfa], quarter)


# The secretariat's small clients, enough for the search of its Mandates page (from 11 mandates).
CLIENT_TRADES = (
    "Boucherie",
    "Pâtisserie",
    "Électricité",
    "Friterie",
    "Bakkerij",
    "Schrijnwerkerij",
    "Coiffure",
    "Épicerie",
)
CLIENT_NAMES = ("Lambert", "Wouters", "Dubois", "Goossens", "Hermans")


def _small_clients(secretariat: Enterprise, ssmam: Person, services: list[OnlineService], quarter: date) -> None:
    """Forty small enterprises each giving the secretariat Dimona and DmfA, accepted; made in bulk,
    a few queries for all of them."""
    now = timezone.now()
    bodies = range(7_100_000, 7_100_000 + len(CLIENT_TRADES) * len(CLIENT_NAMES))
    names = [f"{trade} {name}" for name in CLIENT_NAMES for trade in CLIENT_TRADES]
    clients = Enterprise.objects.bulk_create(
        Enterprise(
            number=f"{body:08d}{97 - body % 97:02d}", name=name, status=Enterprise.Status.ACTIVE, activated_at=now
        )
        for body, name in zip(bodies, names, strict=True)
    )
    employer = RoleType.objects.get(code="employer")
    Group.objects.bulk_create(Group(enterprise=client, role_type=employer) for client in clients)
    # Each client's owner, its MAM, who offered the mandate.
    owners = Person.objects.bulk_create(
        Person(
            niss=make_niss(date(1960, 1, 1) + timedelta(days=index), 201),
            given_name="Marie" if index % 2 else "Jan",
            surname=client.name.split()[-1],
            email=f"owner{index}@example.be",
            preferred_language="fr" if index % 2 else "nl",
        )
        for index, client in enumerate(clients)
    )
    Designation.objects.bulk_create(
        Designation(enterprise=client, person=owner, kind=DesignationKind.MAIN)
        for client, owner in zip(clients, owners, strict=True)
    )
    mandates = Mandate.objects.bulk_create(
        Mandate(
            principal=client,
            provider=secretariat,
            starts_on=quarter,
            status=Mandate.Status.ACCEPTED,
            offered_by=owner,
            # Long-standing clients: listed after the newer mandates, newest first.
            offered_at=now - timedelta(days=90),
            answered_by=ssmam,
            answered_at=now - timedelta(days=89),
        )
        for client, owner in zip(clients, owners, strict=True)
    )
    Mandate.services.through.objects.bulk_create(
        Mandate.services.through(mandate=mandate, onlineservice=service) for mandate in mandates for service in services
    )


def _texts(fields: tuple[str, str], texts: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """A text written in French and given in the other languages, as the e-Box keeps it."""
    french = texts.pop("fr")
    translations = {language: dict(zip(fields, text, strict=True)) for language, text in texts.items()}
    return {**dict(zip(fields, french, strict=True)), "language": "fr", "translations": translations}


@transaction.atomic
def load_demo_client() -> bool:
    """Register the demo's client of the decision point once (also on a database whose demo data
    was loaded before it existed); answers False when it is already there, whatever staff did to
    it since."""
    if Client.objects.filter(client_id=DEMO_CLIENT_ID).exists():
        return False
    client = Client.objects.create(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET, name="Dimona (demo)")
    client.services.set(OnlineService.objects.filter(code__in=DEMO_CLIENT_SERVICES))
    return True


def _ebox(enterprise: Enterprise) -> None:
    """Messages and a task as the institutions write them, in the four languages."""
    dimona = OnlineService.objects.get(code="dimona")
    message = ("subject", "body")
    Message.objects.create(
        enterprise=enterprise,
        sender_institution="ONSS / RSZ",
        **_texts(
            message,
            {
                "fr": (
                    "Rappel\u202f: déclaration trimestrielle",
                    "La déclaration DmfA de ce trimestre doit être introduite au plus tard le dernier jour du mois "
                    "qui suit le trimestre.",
                ),
                "nl": (
                    "Herinnering: driemaandelijkse aangifte",
                    "De DmfA-aangifte van dit kwartaal moet uiterlijk op de laatste dag van de maand na het kwartaal "
                    "worden ingediend.",
                ),
                "de": (
                    "Erinnerung: vierteljährliche Erklärung",
                    "Die DmfA-Erklärung für dieses Quartal ist spätestens am letzten Tag des Monats nach dem "
                    "Quartalsende einzureichen.",
                ),
                "en": (
                    "Quarterly declaration reminder",
                    "The DmfA declaration for this quarter is due by the last day of the month that follows it.",
                ),
            },
        ),
    )
    Message.objects.create(
        enterprise=enterprise,
        sender_institution="ONSS / RSZ",
        required_service=dimona,
        **_texts(
            message,
            {
                "fr": (
                    "Dimona\u202f: nouveaux champs à partir de janvier",
                    "Les déclarations Dimona demanderont les heures prévues des étudiants jobistes.",
                ),
                "nl": (
                    "Dimona: nieuwe velden vanaf januari",
                    "In de Dimona-aangiften zullen de geplande uren van jobstudenten gevraagd worden.",
                ),
                "de": (
                    "Dimona: neue Felder ab Januar",
                    "In den Dimona-Erklärungen werden künftig die geplanten Arbeitsstunden von Studenten abgefragt.",
                ),
                "en": (
                    "Dimona: new fields from January",
                    "Dimona declarations will ask for the planned hours of student workers.",
                ),
            },
        ),
    )
    Message.objects.create(
        enterprise=enterprise,
        sender_institution="SPF Finances / FOD Financiën",
        required_service=OnlineService.objects.get(code="biztax"),
        **_texts(
            message,
            {
                "fr": (
                    "Biztax\u202f: votre déclaration est disponible",
                    "Votre déclaration à l'impôt des sociétés peut être introduite jusqu'à la fin du mois de "
                    "septembre.",
                ),
                "nl": (
                    "Biztax: uw aangifte is beschikbaar",
                    "Uw aangifte in de vennootschapsbelasting kan tot eind september worden ingediend.",
                ),
                "de": (
                    "Biztax: Ihre Erklärung ist verfügbar",
                    "Ihre Körperschaftsteuererklärung kann bis Ende September eingereicht werden.",
                ),
                "en": (
                    "Biztax: your return is available",
                    "Your corporate tax return can be filed until the end of September.",
                ),
            },
        ),
    )
    Task.objects.create(
        enterprise=enterprise,
        service=dimona,
        due_on=timezone.localdate() + timedelta(days=7),
        **_texts(
            ("title", "description"),
            {
                "fr": (
                    "Corriger deux déclarations Dimona en erreur",
                    "Deux déclarations de la semaine dernière ont été refusées\u202f: corrigez-les et envoyez-les "
                    "à nouveau.",
                ),
                "nl": (
                    "Twee foutieve Dimona-aangiften verbeteren",
                    "Twee aangiften van vorige week werden geweigerd: verbeter ze en verstuur ze opnieuw.",
                ),
                "de": (
                    "Zwei fehlerhafte Dimona-Erklärungen berichtigen",
                    "Zwei Erklärungen der letzten Woche wurden abgelehnt: Berichtigen Sie sie und senden Sie sie "
                    "erneut.",
                ),
                "en": (
                    "Correct two Dimona declarations in error",
                    "Two declarations of last week were refused: correct them and send them again.",
                ),
            },
        ),
    )


def _chaman(enterprise: Enterprise) -> None:
    """A sender with an SFTP channel (an SSH key) and a REST channel (a certificate that expires soon)."""
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    ssh_key = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "declarations.boulangerie-dupont.be")])
    now = timezone.now()
    pem = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=340))
        .not_valid_after(now + timedelta(days=25))
        .sign(private, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    sender = Sender.objects.create(enterprise=enterprise, number="412345")
    TechnicalContact.objects.create(sender=sender, name="Thomas Maes", email="it@boulangerie-dupont.be")
    key_line, fingerprint = parse_ssh_public_key(f"{ssh_key} batch@boulangerie-dupont")
    Channel.objects.create(sender=sender, kind=ChannelKind.SFTP, ssh_public_key=key_line, key_fingerprint=fingerprint)
    certificate = parse_certificate(pem)
    Channel.objects.create(
        sender=sender,
        kind=ChannelKind.REST,
        certificate_pem=certificate.pem,
        certificate_subject=certificate.subject,
        certificate_fingerprint=certificate.fingerprint,
        certificate_expires_at=certificate.expires_at,
        oauth_client_id="boulangerie-dupont-payroll",
    )
    Channel.objects.create(sender=sender, kind=ChannelKind.FTP, active=False)


def _contact_data(enterprise: Enterprise, nsso: Domain) -> None:
    data = ContactData.objects.create(
        enterprise=enterprise, general_email="info@boulangerie-dupont.be", general_phone="+3225095959"
    )
    Address.objects.create(
        contact_data=data,
        kind=Address.Kind.REGISTERED_OFFICE,
        street="Rue du Pain",
        number="12",
        postal_code="1000",
        city="Bruxelles",
    )
    DomainContact.objects.create(
        contact_data=data, domain=nsso, name="Chloé Martin", email="paie@boulangerie-dupont.be"
    )
