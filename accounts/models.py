from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """The login account. Who a person is lives in access.Person, linked one-to-one."""
