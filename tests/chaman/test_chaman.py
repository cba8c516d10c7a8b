"""Chaman: who may open it, the sender and its one technical contact, channels with keys and
certificates checked; the structured-message settings for the MAM and co-MAMs."""

import base64
import hashlib
import importlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from access import selectors, services
from access.models import AuditEvent, OnlineService
from chaman.models import Channel, Sender, StructuredMessageSettings, TechnicalContact
from tests.credentials import certificate, private_key_pem, rsa_key, ssh_public_key
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def url(world, path=""):
    return f"/e/{world.enterprise.pk}/chaman/{path}"


@pytest.fixture
def sender(world):
    sender = Sender.objects.create(enterprise=world.enterprise, number="123456")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")
    return sender


@pytest.mark.parametrize(
    "persona, status",
    [
        ("main", 200),
        ("co_main", 200),
        ("access_manager", 200),
        ("finance_manager", 200),
        ("group_manager", 200),
        ("member", 403),  # a user without the Chaman service
        ("legal_representative", 403),
        ("outsider", 404),
        ("other_enterprise_manager", 404),
    ],
)
def test_who_opens_chaman(world, login, persona, status):
    assert login(getattr(world, persona)).get(url(world)).status_code == status


def test_a_user_with_the_chaman_service_opens_it(world, login):
    actor = selectors.Actor(
        person=world.group_manager,
        enterprise=world.enterprise,
        standing=selectors.standing_of(world.group_manager.pk, world.enterprise.pk),
    )
    response = login(world.member).get(url(world))
    assert response.status_code == 403
    assert "Chaman" in response.content.decode()
    services.grant_create(actor, world.member_membership, OnlineService.objects.get(code="chaman"))
    assert login(world.member).get(url(world)).status_code == 200


def test_register_the_sender_with_its_technical_contact(world, login):
    client = login(world.group_manager)
    response = client.post(url(world, "sender/"), {"number": "654321", "name": "Tina", "email": "t@acme.be"})
    assert response.status_code == 302
    sender = Sender.objects.get(enterprise=world.enterprise)
    assert (sender.number, sender.technical_contact.name) == ("654321", "Tina")
    assert AuditEvent.objects.filter(action="chaman_changed").count() == 1


def test_a_second_technical_contact_is_refused(world, login, sender):
    response = login(world.group_manager).post(
        url(world, "contact/"), {"add": "1", "name": "Second", "email": "second@acme.be"}
    )
    assert response.status_code == 200
    assert "already has its technical contact" in response.content.decode()
    assert TechnicalContact.objects.get(sender=sender).name == "Tina Tech"


def test_an_sftp_channel_with_a_key_is_fingerprinted(world, login, sender):
    key = ssh_public_key()
    response = login(world.access_manager).post(url(world, "channels/"), {"kind": "sftp", "ssh_public_key": key})
    assert response.status_code == 302
    channel = Channel.objects.get(sender=sender)
    assert channel.key_fingerprint.startswith("SHA256:")
    page = login(world.access_manager).get(url(world)).content.decode()
    assert channel.key_fingerprint in page


def test_a_rest_channel_shows_its_certificate(world, login, sender):
    pem = certificate("api.acme.be", days=20)
    login(world.main).post(
        url(world, "channels/"), {"kind": "rest", "certificate_pem": pem, "oauth_client_id": "acme-1"}
    )
    channel = Channel.objects.get(sender=sender)
    assert channel.certificate_subject == "CN=api.acme.be"
    page = login(world.main).get(url(world)).content.decode()
    assert "CN=api.acme.be" in page
    assert "expires soon" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "sftp", "ssh_public_key": "ssh-rsa not-base64!!"}, "This is not a valid SSH public key."),
        ({"kind": "sftp", "ssh_public_key": "hello world"}, "Paste an SSH public key on one line"),
        ({"kind": "sftp", "ssh_public_key": ""}, "An SFTP channel needs an SSH public key."),
        ({"kind": "soap", "certificate_pem": "garbage"}, "Paste an X.509 certificate in PEM"),
        (
            {"kind": "soap", "certificate_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"},
            "This is not a valid X.509 certificate.",
        ),
        ({"kind": "soap", "certificate_pem": "expired"}, "This certificate expired on"),
        (
            {"kind": "rest", "certificate_pem": "valid", "oauth_client_id": ""},
            "A REST channel needs an OAuth client id.",
        ),
    ],
)
def test_bad_keys_and_certificates_get_a_field_error_and_store_nothing(world, login, sender, data, message):
    if data.get("certificate_pem") == "expired":
        data = {**data, "certificate_pem": certificate(expired=True)}
    if data.get("certificate_pem") == "valid":
        data = {**data, "certificate_pem": certificate()}
    response = login(world.group_manager).post(url(world, "channels/"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_deactivate_activate_and_replace_a_key(world, login, sender):
    client = login(world.group_manager)
    client.post(url(world, "channels/"), {"kind": "sftp", "ssh_public_key": ssh_public_key()})
    channel = Channel.objects.get()
    old = channel.key_fingerprint
    client.post(url(world, f"channels/{channel.pk}/toggle/"))
    channel.refresh_from_db()
    assert not channel.active
    client.post(url(world, f"channels/{channel.pk}/toggle/"))
    channel.refresh_from_db()
    assert channel.active
    client.post(
        url(world, f"channels/{channel.pk}/replace/"), {f"replace-{channel.pk}-credential": ssh_public_key("new")}
    )
    channel.refresh_from_db()
    assert channel.key_fingerprint != old
    bad = client.post(url(world, f"channels/{channel.pk}/replace/"), {f"replace-{channel.pk}-credential": "nope"})
    assert "Paste an SSH public key on one line" in bad.content.decode()
    assert AuditEvent.objects.filter(action="chaman_changed").count() == 4


def test_another_enterprises_channel_is_not_found(world, login, sender):
    other_sender = Sender.objects.create(enterprise=world.other_enterprise, number="999999")
    other = Channel.objects.create(sender=other_sender, kind="ftp")
    assert login(world.main).post(url(world, f"channels/{other.pk}/toggle/")).status_code == 404
    other.refresh_from_db()
    assert other.active


class TestStructuredMessages:
    def path(self, world):
        return f"/e/{world.enterprise.pk}/structured-messages/"

    @pytest.mark.parametrize(
        "persona, status",
        [("main", 200), ("co_main", 200), ("access_manager", 403), ("group_manager", 403), ("outsider", 404)],
    )
    def test_who_opens_the_settings(self, world, login, persona, status):
        assert login(getattr(world, persona)).get(self.path(world)).status_code == status

    def test_delivery_to_an_active_channel(self, world, login, sender):
        active = Channel.objects.create(sender=sender, kind="ftp")
        inactive = Channel.objects.create(sender=sender, kind="ftp", active=False)
        client = login(world.co_main)
        refused = client.post(
            self.path(world), {"exchanges": "on", "contact_name": "Sam", "delivery": "channel", "channel": inactive.pk}
        )
        assert "Select a valid choice" in refused.content.decode()
        assert not StructuredMessageSettings.objects.exists()
        client.post(
            self.path(world), {"exchanges": "on", "contact_name": "Sam", "delivery": "channel", "channel": active.pk}
        )
        settings = StructuredMessageSettings.objects.get()
        assert (settings.delivery, settings.channel) == ("channel", active)
        # The channel in use cannot be deactivated.
        login(world.main).post(url(world, f"channels/{active.pk}/toggle/"))
        active.refresh_from_db()
        assert active.active

    def test_a_channel_is_required_for_channel_delivery(self, world, login):
        response = login(world.main).post(self.path(world), {"delivery": "channel"})
        assert "Choose the technical channel" in response.content.decode()
        assert not StructuredMessageSettings.objects.exists()


def test_the_chaman_page_keeps_its_number_of_queries_as_channels_grow(world, login, sender):
    client = login(world.group_manager)
    Channel.objects.bulk_create(Channel(sender=sender, kind="ftp") for _ in range(2))
    few = queries_of(client, url(world))
    Channel.objects.bulk_create(Channel(sender=sender, kind="ftp") for _ in range(100))
    assert queries_of(client, url(world)) == few


# --- Public material only, strong keys, cryptography's fingerprints ---------------------------------


def test_a_certificate_pasted_with_its_private_key_is_refused_and_nothing_private_is_stored(world, login, sender):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = certificate("api.acme.be", private_key=key)
    client = login(world.main)
    for pasted in (private_key_pem(key) + pem, pem + private_key_pem(key)):
        response = client.post(
            url(world, "channels/"), {"kind": "rest", "certificate_pem": pasted, "oauth_client_id": "acme-1"}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "This text contains a private key: nothing was stored." in page
        assert "PRIVATE KEY" not in page  # not even shown back in the form
    assert not Channel.objects.exists()
    assert not any("PRIVATE" in str(event.after) for event in AuditEvent.objects.all())


def test_a_private_ssh_key_is_refused_in_the_key_field(world, login, sender):
    key = ed25519.Ed25519PrivateKey.generate()
    text = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    response = login(world.main).post(url(world, "channels/"), {"kind": "sftp", "ssh_public_key": text})
    assert "This text contains a private key: nothing was stored." in response.content.decode()
    assert "PRIVATE KEY" not in response.content.decode()
    assert not Channel.objects.exists()


def test_the_stored_certificate_is_cryptographys_reserialisation_not_the_pasted_text(world, login, sender):
    pem = certificate("api.acme.be")
    pasted = f"Bag Attributes\n    friendlyName: acme\n{pem}\n-- pasted from the mail of 12 March --\n"
    login(world.main).post(
        url(world, "channels/"), {"kind": "rest", "certificate_pem": pasted, "oauth_client_id": "acme-1"}
    )
    channel = Channel.objects.get()
    parsed = x509.load_pem_x509_certificate(pem.encode())
    assert channel.certificate_pem == parsed.public_bytes(serialization.Encoding.PEM).decode()
    assert "friendlyName" not in channel.certificate_pem
    assert channel.certificate_fingerprint == parsed.fingerprint(hashes.SHA256()).hex(":").upper()
    assert channel.certificate_fingerprint in login(world.main).get(url(world)).content.decode()


def test_the_stored_ssh_key_is_reserialised_and_fingerprinted_as_ssh_keygen_does(world, login, sender):
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    login(world.main).post(url(world, "channels/"), {"kind": "sftp", "ssh_public_key": f"  {line}   deploy@acme\n"})
    channel = Channel.objects.get()
    assert channel.ssh_public_key == line
    blob = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    wire = b"".join(len(part).to_bytes(4, "big") + part for part in (b"ssh-ed25519", blob))
    expected = base64.b64encode(hashlib.sha256(wire).digest()).decode().rstrip("=")
    assert channel.key_fingerprint == f"SHA256:{expected}"


@pytest.mark.parametrize(
    "data, message",
    [
        (
            lambda: {"kind": "sftp", "ssh_public_key": ssh_public_key(private_key=rsa_key(1024))},
            "This RSA key has 1024 bits: at least 2048 are required.",
        ),
        (
            lambda: {"kind": "soap", "certificate_pem": certificate(private_key=rsa_key(1024))},
            "This RSA key has 1024 bits: at least 2048 are required.",
        ),
        (
            lambda: {
                "kind": "soap",
                "certificate_pem": certificate(private_key=ec.generate_private_key(ec.SECP192R1())),
            },
            "This elliptic curve (secp192r1) is too weak: use P-256 or stronger.",
        ),
        (
            lambda: {"kind": "sftp", "ssh_public_key": "ssh-dss AAAAB3NzaC1kc3MAAACBAP deploy@acme"},
            "DSA keys are not accepted",
        ),
    ],
    ids=["rsa-1024-ssh-key", "rsa-1024-certificate", "p192-certificate", "dsa-ssh-key"],
)
def test_weak_keys_are_refused_with_a_clear_message(world, login, sender, data, message):
    response = login(world.main).post(url(world, "channels/"), data())
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_a_2048_bit_rsa_key_is_accepted(world, login, sender):
    response = login(world.main).post(
        url(world, "channels/"), {"kind": "sftp", "ssh_public_key": ssh_public_key(private_key=rsa_key(2048))}
    )
    assert response.status_code == 302
    assert Channel.objects.get().ssh_public_key.startswith("ssh-rsa ")


def test_replacing_with_a_weak_key_is_refused_and_keeps_the_old_one(world, login, sender):
    client = login(world.main)
    client.post(url(world, "channels/"), {"kind": "sftp", "ssh_public_key": ssh_public_key()})
    channel = Channel.objects.get()
    weak = ssh_public_key(private_key=rsa_key(1024))
    response = client.post(url(world, f"channels/{channel.pk}/replace/"), {f"replace-{channel.pk}-credential": weak})
    assert "This RSA key has 1024 bits" in response.content.decode()
    assert Channel.objects.get().key_fingerprint == channel.key_fingerprint


def test_channels_stored_before_keep_only_their_public_material_after_the_migration(world, sender):
    from django.apps import apps

    migration = importlib.import_module("chaman.migrations.0002_channel_public_material_only")
    key = ec.generate_private_key(ec.SECP256R1())
    pem = certificate("api.acme.be", private_key=key)
    stored = Channel.objects.create(
        sender=sender,
        kind="soap",
        certificate_pem=private_key_pem(key) + pem,
        certificate_subject="CN=api.acme.be",
        certificate_expires_at=x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc,
    )
    migration.keep_public_material(apps, None)
    stored.refresh_from_db()
    assert "PRIVATE" not in stored.certificate_pem
    assert stored.certificate_pem == pem
    parsed = x509.load_pem_x509_certificate(pem.encode())
    assert stored.certificate_fingerprint == parsed.fingerprint(hashes.SHA256()).hex(":").upper()


def test_replacing_a_certificate_with_one_and_its_private_key_is_refused_without_showing_it(world, login, sender):
    client = login(world.main)
    client.post(url(world, "channels/"), {"kind": "soap", "certificate_pem": certificate("old.acme.be")})
    channel = Channel.objects.get()
    key = ec.generate_private_key(ec.SECP256R1())
    pasted = certificate("new.acme.be", private_key=key) + private_key_pem(key)
    response = client.post(url(world, f"channels/{channel.pk}/replace/"), {f"replace-{channel.pk}-credential": pasted})
    page = response.content.decode()
    assert "This text contains a private key: nothing was stored." in page
    assert "PRIVATE KEY" not in page
    assert Channel.objects.get().certificate_subject == "CN=old.acme.be"


# --- Channels of the same kind told apart ---------------------------------------------------------


def test_two_channels_of_the_same_kind_are_told_apart(world, login, sender):
    """Two SFTP channels (two servers), two SOAP channels (an old and a renewed certificate of the
    same name) and two FTP channels each read differently: in their headings, in the names of
    their buttons, and in the structured messages' choice of channel."""
    import re
    from datetime import timedelta

    from django.utils import timezone

    client = login(world.main)
    for data in (
        {"kind": "sftp", "ssh_public_key": ssh_public_key("payroll@acme")},
        {"kind": "sftp", "ssh_public_key": ssh_public_key("invoices@acme")},
        {"kind": "soap", "certificate_pem": certificate("soap.acme.be")},
        {"kind": "soap", "certificate_pem": certificate("soap.acme.be")},
    ):
        assert client.post(url(world, "channels/"), data).status_code == 302
    Channel.objects.create(sender=sender, kind="ftp", created_at=timezone.now() - timedelta(days=40))
    Channel.objects.create(sender=sender, kind="ftp")

    page = client.get(url(world)).content.decode()
    headings = re.findall(r"<h3>([^<]*)</h3>", page)
    channel_headings = [h for h in headings if h.startswith(("SFTP", "SOAP", "FTP"))]
    assert len(channel_headings) == 6
    assert len(set(channel_headings)) == 6, channel_headings
    buttons = re.findall(r"<button type=\"submit\"[^>]*>(Deactivate[^<]*)</button>", page)
    assert len(buttons) == len(set(buttons)) == 6, buttons
    for channel in Channel.objects.filter(kind="sftp"):
        assert channel.key_fingerprint[:15] in channel.label
    for channel in Channel.objects.filter(kind="soap"):
        assert channel.certificate_fingerprint[:11] in channel.label

    settings_page = client.get(f"/e/{world.enterprise.pk}/structured-messages/").content.decode()
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", settings_page)
    assert len(options) == len(set(options)) == 6, options
