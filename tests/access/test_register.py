"""Register data: the import command, and the staff's exception procedure in the admin."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from access import selectors
from access.models import AuditEvent, Enterprise, LegalRepresentative
from accounts.models import OutboundMessage
from tests import factories
from tests.staff import log_in_staff

pytestmark = pytest.mark.django_db

HEADER = "enterprise_number,enterprise_name,language,role,niss,given_name,surname,valid_from\n"


def test_import_creates_enterprises_groups_and_representatives_and_journals_them(world, tmp_path):
    niss = factories.niss()
    path = tmp_path / "register.csv"
    path.write_text(HEADER + f"BE 0441.234.588,Brasserie Nieuw,nl,employer,{niss},Lotte,Vos,2025-01-01\n")
    call_command("import_register", path)
    enterprise = Enterprise.objects.get(number="0441234588")
    assert (enterprise.name, enterprise.status, enterprise.preferred_language) == ("Brasserie Nieuw", "pending", "nl")
    assert enterprise.groups.get().role_type.code == "employer"
    representative = LegalRepresentative.objects.get(enterprise=enterprise)
    assert representative.person.niss == niss
    event = AuditEvent.objects.get(action="representative_registered", enterprise=enterprise)
    assert event.after["source"] == "import"
    # Importing the same file again changes nothing.
    call_command("import_register", path)
    assert LegalRepresentative.objects.filter(enterprise=enterprise).count() == 1


def test_one_bad_line_imports_nothing_and_says_where(world, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        HEADER
        + f"0441.234.588,Good,fr,employer,{factories.niss()},A,B,2025-01-01\n"
        + "0431.150.351,Bad number,fr,employer,85.07.30-033.29,C,D,2025-01-01\n"
    )
    with pytest.raises(CommandError) as error:
        call_command("import_register", path)
    assert "line 3: enterprise_number" in str(error.value)
    assert "line 3: niss" in str(error.value)
    assert not Enterprise.objects.filter(number="0441234588").exists()


def test_an_enterprise_number_the_register_never_issues_is_refused(world, tmp_path):
    path = tmp_path / "register.csv"
    # 1000.002.100 passes the modulus 97, but the register's check digits are never 00.
    path.write_text(HEADER + f"1000.002.100,Never issued,fr,employer,{factories.niss()},A,B,2025-01-01\n")
    with pytest.raises(CommandError) as error:
        call_command("import_register", path)
    assert "line 2: enterprise_number" in str(error.value)
    assert not Enterprise.objects.filter(number="1000002100").exists()


def test_staff_designate_a_foreign_main_manager_with_a_reason(world, staff_client):
    url = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/"
    assert staff_client.get(url).status_code == 200
    refused = staff_client.post(url, {"given_name": "Ana", "surname": "Silva", "language": "en", "reason": "LR abroad"})
    assert refused.status_code == 200
    assert selectors.main_manager_of(world.enterprise).designation.person == world.main
    response = staff_client.post(
        url,
        {
            "given_name": "Ana",
            "surname": "Silva",
            "email": "ana@example.pt",
            "mobile_phone": "+351 912 345 678",
            "language": "en",
            "reason": "The legal representative is abroad",
            "replaces": selectors.main_manager_of(world.enterprise).designation.pk,
        },
    )
    assert response.status_code == 302
    main = selectors.main_manager_of(world.enterprise).designation.person
    assert (main.surname, main.niss, main.mobile_phone) == ("Silva", None, "+351912345678")
    created = AuditEvent.objects.get(action="designation_created", target_person=main)
    assert (created.actor, created.reason, created.after["staff"]) == (
        None,
        "The legal representative is abroad",
        "staff",
    )
    assert AuditEvent.objects.get(action="designation_revoked", target_person=world.main).after["staff"] == "staff"
    assert OutboundMessage.objects.filter(user=main.user).count() == 2
    listing = staff_client.get("/admin/access/enterprise/").content.decode()
    assert "Ana Silva" in listing


def test_staff_without_the_permission_cannot_use_the_exception_procedure(world, client):
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    TOTP.activate(clerk, generate_totp_secret())
    log_in_staff(client, clerk)
    url = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/"
    client.post(url, {"niss": factories.niss(), "given_name": "A", "surname": "B", "language": "fr", "reason": "r"})
    assert selectors.main_manager_of(world.enterprise).designation.person == world.main


def test_legal_representatives_entered_in_the_admin_are_journaled(world, staff_client):
    person = factories.person()
    form = {
        "number": world.other_enterprise.number,
        "name": "Other",
        "preferred_language": "fr",
        "status": "active",
        "legal_representatives-TOTAL_FORMS": "1",
        "legal_representatives-INITIAL_FORMS": "0",
        "legal_representatives-0-person": person.pk,
        "legal_representatives-0-valid_from": "2025-02-01",
        "groups-TOTAL_FORMS": "0",
        "groups-INITIAL_FORMS": "0",
    }
    response = staff_client.post(f"/admin/access/enterprise/{world.other_enterprise.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="representative_registered", target_person=person)
    assert event.after["source"] == "admin"
