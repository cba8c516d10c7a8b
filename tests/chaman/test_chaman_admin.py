"""Staff edit channels in the admin through the same parsing as the portal: public material only,
strong keys, fingerprint and expiry computed from what is stored."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chaman.models import Channel, Sender, TechnicalContact
from tests.credentials import certificate, private_key_pem, rsa_key, ssh_public_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender(world):
    sender = Sender.objects.create(enterprise=world.enterprise, number="412345")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")
    return sender


def sender_form(sender, **channel) -> dict:
    """The sender's admin page with its contact and one new channel."""
    contact = sender.technical_contact
    data = {
        "enterprise": sender.enterprise_id,
        "number": sender.number,
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00:00",
        "technical_contact-TOTAL_FORMS": "1",
        "technical_contact-INITIAL_FORMS": "1",
        "technical_contact-0-id": contact.pk,
        "technical_contact-0-sender": sender.pk,
        "technical_contact-0-name": contact.name,
        "technical_contact-0-email": contact.email,
        "channels-TOTAL_FORMS": "1",
        "channels-INITIAL_FORMS": "0",
        "channels-0-sender": sender.pk,
        "channels-0-active": "on",
        "channels-0-created_at_0": "2026-01-01",
        "channels-0-created_at_1": "10:00:00",
    }
    data.update({f"channels-0-{name}": value for name, value in channel.items()})
    return data


def post(staff_client, sender, **channel):
    return staff_client.post(f"/admin/chaman/sender/{sender.pk}/change/", sender_form(sender, **channel))


def test_a_certificate_added_in_the_admin_is_reserialised_and_fingerprinted(staff_client, sender):
    pem = certificate("api.acme.be", days=20)
    response = post(staff_client, sender, kind="rest", certificate_pem=f"\n{pem}\n", oauth_client_id="acme-1")
    assert response.status_code == 302
    channel = Channel.objects.get()
    parsed = x509.load_pem_x509_certificate(pem.encode())
    assert channel.certificate_pem == parsed.public_bytes(serialization.Encoding.PEM).decode()
    assert channel.certificate_fingerprint == parsed.fingerprint(hashes.SHA256()).hex(":").upper()
    assert channel.certificate_subject == "CN=api.acme.be"
    assert channel.certificate_expires_at == parsed.not_valid_after_utc


def test_an_ssh_key_added_in_the_admin_gets_its_fingerprint(staff_client, sender):
    assert post(staff_client, sender, kind="sftp", ssh_public_key=ssh_public_key()).status_code == 302
    assert Channel.objects.get().key_fingerprint.startswith("SHA256:")


def test_a_private_key_pasted_in_the_admin_is_refused_and_not_stored(staff_client, sender):
    key = ec.generate_private_key(ec.SECP256R1())
    pasted = private_key_pem(key) + certificate(private_key=key)
    response = post(staff_client, sender, kind="soap", certificate_pem=pasted)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This text contains a private key: nothing was stored." in page
    assert "PRIVATE KEY" not in page
    assert not Channel.objects.exists()


@pytest.mark.parametrize("field", ["ssh_public_key", "certificate_pem"])
def test_a_1024_bit_rsa_key_is_refused_in_the_admin(staff_client, sender, field):
    weak = rsa_key(1024)
    if field == "ssh_public_key":
        response = post(staff_client, sender, kind="sftp", ssh_public_key=ssh_public_key(private_key=weak))
    else:
        response = post(staff_client, sender, kind="soap", certificate_pem=certificate(private_key=weak))
    assert response.status_code == 200
    assert "This RSA key has 1024 bits: at least 2048 are required." in response.content.decode()
    assert not Channel.objects.exists()


def test_a_replaced_certificate_in_the_admin_updates_fingerprint_and_expiry(staff_client, sender):
    post(staff_client, sender, kind="soap", certificate_pem=certificate("old.acme.be", days=10))
    channel = Channel.objects.get()
    new = certificate("new.acme.be", days=300)
    data = sender_form(sender, kind="soap", certificate_pem=new, id=channel.pk)
    data["channels-INITIAL_FORMS"] = "1"
    assert staff_client.post(f"/admin/chaman/sender/{sender.pk}/change/", data).status_code == 302
    channel.refresh_from_db()
    parsed = x509.load_pem_x509_certificate(new.encode())
    assert channel.certificate_subject == "CN=new.acme.be"
    assert channel.certificate_expires_at == parsed.not_valid_after_utc
    assert channel.certificate_fingerprint == parsed.fingerprint(hashes.SHA256()).hex(":").upper()
