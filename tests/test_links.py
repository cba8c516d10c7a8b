"""`{% load links %}` draws the same addresses as Django's `{% url %}`, whatever the route, the
arguments, the script prefix or the escaping; `links.address()` gives them to Python."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from portal.templatetags.links import address


def both(text: str, **context: object) -> tuple[str, str]:
    """The template rendered with Django's tag, then with the portal's."""
    builtin = Template("{% load i18n %}" + text).render(Context(context))
    portal = Template("{% load i18n links %}" + text).render(Context(context))
    return builtin, portal


ROUTES = [
    ("access:dashboard", (7,)),
    ("access:user_detail", (7, 12345)),
    ("access:grant_revoke", (1, 22, 333)),
    ("mandates:list", (9_223_372_036_854_775_807,)),
    ("home", ()),
]


@pytest.mark.parametrize(("name", "args"), ROUTES)
def test_a_route_named_with_ids_gives_the_same_address(name, args):
    text = "{% url name " + " ".join(f"a{index}" for index in range(len(args))) + " %}"
    values = {f"a{index}": arg for index, arg in enumerate(args)}
    builtin, portal = both(text, name=name, **values)
    assert portal == builtin == reverse(name, args=args)


def test_the_address_follows_the_script_prefix():
    try:
        set_script_prefix("/portal/")
        builtin, portal = both("{% url 'access:user_detail' 3 4 %}")
        assert portal == builtin == "/portal/e/3/users/4/"
    finally:
        set_script_prefix("/")
    assert both("{% url 'access:user_detail' 3 4 %}")[1] == "/e/3/users/4/"


def test_other_arguments_go_through_django():
    assert both("{% url 'access:user_detail' enterprise_id=3 person_id=4 %}") == ("/e/3/users/4/",) * 2
    assert both("{% url 'access:user_detail' '3' '4' %}") == ("/e/3/users/4/",) * 2
    assert both("{% url 'access:dashboard' 5 as there %}[{{ there }}]") == ("[/e/5/]",) * 2
    assert both("{% url 'access:dashboard' 5 6 as there %}[{{ there }}]") == ("[]",) * 2


def test_a_route_that_does_not_exist_is_refused_alike():
    for library in ("i18n", "i18n links"):
        with pytest.raises(NoReverseMatch):
            Template("{% load " + library + " %}{% url 'access:dashboard' 1 2 %}").render(Context())


@pytest.mark.parametrize(("name", "args"), ROUTES)
def test_python_gets_the_same_address(name, args):
    # Twice: the first reverses the route with stand-ins, the second fills in what the first kept.
    assert address(name, *args) == address(name, *args) == reverse(name, args=args)


def test_python_gets_the_script_prefix_and_the_refusal_alike():
    try:
        set_script_prefix("/portal/")
        assert address("access:user_detail", 3, 4) == "/portal/e/3/users/4/"
    finally:
        set_script_prefix("/")
    assert address("access:user_detail", 3, 4) == "/e/3/users/4/"
    with pytest.raises(NoReverseMatch):
        address("access:dashboard", 1, 2)
