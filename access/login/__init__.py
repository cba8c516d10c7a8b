"""Logging in: the allauth adapters (`adapters`), the federal identity provider (`provider`), the
set-up of a first local login (`setup_middleware`) and the confirmation of identity before an
action (`reauthentication`)."""
