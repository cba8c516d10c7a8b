from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The login account. Who a person is lives in access.Person, linked one-to-one."""


def display_name(user: User) -> str:
    """How allauth names the user in its messages: their name, or their username."""
    return user.get_full_name() or user.get_username()
