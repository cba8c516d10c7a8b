"""Channels keep public material only: each stored key and certificate is replaced by its
re-serialisation (a private key pasted along with a certificate goes), and certificates get
their SHA-256 fingerprint."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.db import migrations, models


def keep_public_material(apps, schema_editor):
    Channel = apps.get_model("chaman", "Channel")
    for channel in Channel.objects.exclude(certificate_pem="", ssh_public_key=""):
        fields = []
        if channel.certificate_pem:
            try:
                certificate = x509.load_pem_x509_certificates(channel.certificate_pem.encode())[0]
            except (ValueError, IndexError):
                certificate = None
            if certificate is not None:
                channel.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
                channel.certificate_fingerprint = certificate.fingerprint(hashes.SHA256()).hex(":").upper()
                fields += ["certificate_pem", "certificate_fingerprint"]
        if channel.ssh_public_key:
            parts = channel.ssh_public_key.split()
            try:
                key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
            except (ValueError, TypeError, IndexError):
                key = None
            if key is not None:
                channel.ssh_public_key = key.public_bytes(
                    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
                ).decode()
                fields.append("ssh_public_key")
        if fields:
            channel.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("chaman", "0001_chaman"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="certificate_fingerprint",
            field=models.CharField(blank=True, max_length=100, verbose_name="certificate fingerprint (SHA-256)"),
        ),
        # What was stored as pasted cannot be restored: going back keeps the public material.
        migrations.RunPython(keep_public_material, migrations.RunPython.noop),
    ]
