"""Four languages, complete, and the switcher that keeps the choice."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_message_is_translated(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(catalogue) > 100
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


@pytest.mark.django_db
def test_switcher_changes_the_language_and_keeps_it(world, login):
    client = login(world.group_manager)
    dashboard = f"/e/{world.enterprise.pk}/"
    assert "Groups you manage" in client.get(dashboard).content.decode()
    response = client.post("/i18n/setlang/", {"language": "nl", "next": dashboard})
    assert response.status_code == 302
    page = client.get(dashboard).content.decode()
    assert '<html lang="nl">' in page
    assert "Groepen die u beheert" in page
    assert "Groups you manage" not in page
    assert '<html lang="nl">' in client.get(f"/e/{world.enterprise.pk}/journal/").content.decode()


@pytest.mark.django_db
def test_the_first_page_offers_the_four_languages(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in page
    for name in ("français", "Nederlands", "Deutsch", "English"):
        assert name in page


@pytest.mark.django_db
def test_the_language_follows_the_persons_preference_once_logged_in(world):
    from django.test import Client

    world.member.preferred_language = "nl"
    world.member.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="de">' in browser.get("/accounts/login/").content.decode()
    browser.post("/accounts/login/", {"login": world.member.user.username, "password": "test-password-123"})
    assert '<html lang="nl">' in browser.get("/").content.decode()


@pytest.mark.django_db
def test_the_switcher_keeps_the_choice_as_the_persons_preference(world, login):
    client = login(world.member)
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    world.member.refresh_from_db()
    assert world.member.preferred_language == "de"
    assert '<html lang="de">' in client.get("/").content.decode()
