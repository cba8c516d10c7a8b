#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # Management commands default to development mode (SQLite, no secret needed); the web and
    # worker processes do not. Production sets DEBUG=0 for its commands, as docker-compose does.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
