"""Four languages, complete and of equal quality, and the switcher that keeps the choice."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests import factories

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


# --- Four languages of equal quality -------------------------------------------------------------

FOREIGN = ("fr", "nl", "de")
NARROW = "\u202f"
# The informal forms: Dutch and German pages say "u" and "Sie".
INFORMAL = {
    "nl": re.compile(r"\b(je|jij|jou|jouw|jullie|jezelf)\b", re.IGNORECASE),
    "de": re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|euch|euer)\b", re.IGNORECASE),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


LANGUAGES = [code for code, _ in settings.LANGUAGES]
WORD = re.compile(r"\w+")


def catalogue_texts(path: Path) -> list[tuple[str, str | None]]:
    """The English texts of a catalogue: (msgid, msgid_plural or None)."""
    return [(entry.msgid, entry.msgid_plural or None) for entry in polib.pofile(str(path)) if not entry.obsolete]


def english_texts() -> list[tuple[str, str | None]]:
    """What the portal, allauth and Django's forms and accounts say, as (text, plural)."""
    import allauth
    import django

    django_dir = Path(django.__file__).parent
    catalogues = [
        LOCALE / "en" / "LC_MESSAGES" / "django.po",
        Path(allauth.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po",
        django_dir / "conf" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
        django_dir / "contrib" / "auth" / "locale" / "fr" / "LC_MESSAGES" / "django.po",
    ]
    return sorted({text for path in catalogues for text in catalogue_texts(path) if text[0]})


def said_in(language: str, texts: list[tuple[str, str | None]]) -> list[list[str]]:
    """How each text reads in a language: its forms (one, or the singular and a plural)."""
    from django.utils import translation

    with translation.override(language):
        return [
            [translation.ngettext(one, many, 1), translation.ngettext(one, many, 5)]
            if many
            else [translation.gettext(one)]
            for one, many in texts
        ]


class ForeignTexts:
    """The texts that a page in `language` must not show: the English of the portal, allauth and
    Django, and their French, Dutch or German, wherever `language` says it otherwise. A text of
    one word or two is looked for as a whole text of the page (a label, a button), a longer one
    anywhere in a text, its placeholders standing for anything."""

    def __init__(self, language: str) -> None:
        texts = english_texts()
        here = said_in(language, texts)
        legit = {form for forms in here for form in forms}
        foreign: set[str] = set()
        for other in LANGUAGES:
            if other == language:
                continue
            for english, mine, theirs in zip(texts, here, said_in(other, texts), strict=True):
                originals = [english[0]] + ([english[1]] if english[1] else [])
                for form in {*theirs, *originals}:
                    if form not in legit and form not in mine:
                        foreign.add(" ".join(form.split()))
        self.whole = {text for text in foreign if len(text.split()) <= 2 and not PLACEHOLDER.search(text)}
        # A longer text is found by its longest word, then matched whole.
        self.by_word: dict[str, list[re.Pattern[str]]] = {}
        for text in foreign:
            if len(text.split()) <= 2 or len(WORD.findall(PLACEHOLDER.sub(" ", text))) < 2:
                continue
            pattern = re.compile(".+?".join(re.escape(piece) for piece in PLACEHOLDER.split(text)))
            key = max(WORD.findall(PLACEHOLDER.sub(" ", text)), key=len).lower()
            self.by_word.setdefault(key, []).append(pattern)

    def found_in(self, texts: list[str]) -> list[str]:
        found = []
        for text in texts:
            label = text.removesuffix(":").rstrip(f" {NARROW}\u00a0")
            if text in self.whole or label in self.whole:
                found.append(text)
                continue
            words = {word.lower() for word in WORD.findall(text)}
            patterns = (pattern for word in words for pattern in self.by_word.get(word, ()))
            found += [text for pattern in patterns if pattern.search(text)][:1]
        return found


class VisibleText(HTMLParser):
    """The texts a person reads or hears on a page in its language: text, and the names given in
    attributes. A part marked in another language (the language switcher's "English", an e-Box
    message the institution wrote in one language) is that language's, not a mix."""

    SPOKEN = ("aria-label", "title", "alt", "placeholder")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.open: list[tuple[str, str | None]] = []  # the open elements, with the language they set

    def language(self) -> str | None:
        languages = [lang for _tag, lang in self.open if lang]
        return languages[-1] if languages else None

    def read(self) -> bool:
        """Whether what is here is read in the page's language, and shown at all."""
        tags = [tag for tag, _lang in self.open]
        page = self.open[0][1] if self.open and self.open[0][0] == "html" else None
        return "script" not in tags and "style" not in tags and self.language() == page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag not in self.VOID:
            self.open.append((tag, named.get("lang")))
        if not self.read():
            return
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.texts.append(" ".join(value.split()))
        if tag == "input" and named.get("type") in ("submit", "button") and named.get("value"):
            self.texts.append(" ".join((named["value"] or "").split()))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and self.read():
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


@pytest.fixture
def tour(world, login):
    """The pages of each persona, forms with their errors included, in a language: (what, html)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    from ebox.models import Message
    from tests.e2e.test_accessibility import pages

    urls = pages(world)
    Message.objects.filter(enterprise=world.enterprise).update(
        language="en",
        translations={
            "fr": {"subject": "Salut", "body": "x"},
            "nl": {"subject": "Hallo", "body": "x"},
            "de": {"subject": "Hallo", "body": "x"},
        },
    )
    TOTP.activate(world.group_manager.user, generate_totp_secret())
    RecoveryCodes.activate(world.group_manager.user)
    e = world.enterprise.pk
    employer = world.groups["employer"].pk

    def client_in(language: str, person=None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en") if person is None else login(person)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    def visit(language: str) -> list[tuple[str, str]]:
        seen = []
        anonymous = client_in(language)
        for url in ("/", "/accounts/login/", "/accounts/password/reset/", "/about/help/", "/about/privacy/",
                    "/about/accessibility/", "/no-such-page/"):  # fmt: skip
            seen.append((f"anonymous {url}", anonymous.get(url).content.decode()))
        wrong = anonymous.post("/accounts/login/", {"login": "main", "password": "wrong"})
        seen.append(("a wrong password", wrong.content.decode()))
        right = client_in(language)
        right.post("/accounts/login/", {"login": "main", "password": factories.PASSWORD}, follow=True)
        seen.append(("after logging in", right.get("/").content.decode()))
        for persona in ("main", "group_manager", "member", "legal_representative"):
            client = client_in(language, getattr(world, persona))
            for url in urls + ["/accounts/sessions/", "/accounts/logout/", "/accounts/password/change/"]:
                seen.append((f"{persona} {url}", client.get(url).content.decode()))
        manager = client_in(language, world.group_manager)
        for url in ("/accounts/2fa/", "/accounts/2fa/recovery-codes/", "/accounts/2fa/totp/deactivate/"):
            seen.append((f"group_manager {url}", manager.get(url).content.decode()))
        forms = {
            "a wrong number": (f"/e/{e}/groups/{employer}/add/", {"niss": "85.07.30-033.29", "confirm": "on"}),
            "a part of a number": (f"/e/{e}/users/", {"q": "85.07.30"}),
            "a wrong phone number": (f"/e/{e}/contact-data/general/", {"general-general_phone": "02 12"}),
            "a wrong password change": ("/accounts/password/change/", {"oldpassword": "x", "password1": "y"}),
        }
        for what, (url, data) in forms.items():
            seen.append((what, manager.post(url, data).content.decode()))
        main = client_in(language, world.main)
        past = main.post(f"/e/{e}/reviews/start/", {"deadline": "01/01/2020"}).content.decode()
        seen.append(("a deadline in the past", past))
        return seen

    return visit


@pytest.mark.django_db
@pytest.mark.parametrize("language", FOREIGN)
def test_no_page_mixes_languages(tour, language):
    """Every page of the tour, in French, Dutch or German, shows no text of the portal, allauth or
    Django in another language where its own has a translation, and says "u" and "Sie"."""
    foreign = ForeignTexts(language)
    mixed = {}
    for what, html in tour(language):
        assert f'<html lang="{language}">' in html, what
        texts = visible_texts(html)
        found = foreign.found_in(texts)
        if language in INFORMAL:
            found += [text for text in texts if INFORMAL[language].search(text)]
        if found:
            mixed[what] = found
    assert mixed == {}


@pytest.mark.django_db
def test_the_login_message_is_in_the_language_of_the_next_page(world):
    """A browser that asks for English logs in a person who reads Dutch: the message that says they
    are logged in is in Dutch, like the page that shows it."""
    from django.test import Client

    from accounts.models import display_name

    world.member.preferred_language = "nl"
    world.member.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.post(
        "/accounts/login/", {"login": world.member.user.username, "password": factories.PASSWORD}, follow=True
    ).content.decode()
    assert '<html lang="nl">' in page
    assert f"U bent aangemeld als {display_name(world.member.user)}." in page


def entries(language: str) -> list[tuple[str, str]]:
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    return [
        (entry.msgid, text)
        for entry in catalogue
        if not entry.obsolete
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if text
    ]


def test_french_sets_its_punctuation_apart_with_a_narrow_no_break_space():
    """; : ? ! and » take a narrow no-break space before them, « after it (scripts/french-typography
    puts them in); an address, a JSON key and a time keep theirs."""
    missing = []
    for _msgid, text in entries("fr"):
        for match in re.finditer(r"[;:?!»]", text):
            start, end = match.start(), match.end()
            before, after = text[start - 1 : start], text[end : end + 1]
            if text[end : end + 2] == "//" or after == "=" or before == '"' or (before + after).isdigit():
                continue
            if before != NARROW:
                missing.append(text)
        missing += [text for match in re.finditer("«", text) if text[match.end() : match.end() + 1] != NARROW]
    assert missing == []


@pytest.mark.parametrize("language", INFORMAL)
def test_dutch_says_u_and_german_says_sie(language):
    assert [text for _msgid, text in entries(language) if INFORMAL[language].search(text)] == []
