"""``rtx_create_admin``: create a back-office admin with a given role.

The password comes from standard input (``--password-stdin``) or an interactive prompt;
it is never an argument (shell history, process lists). The creation is audited.
"""

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from adminpanel.models import AdminUser, Role
from rtx.audit import audit_record


class Command(BaseCommand):
    help = "Create a back-office admin user with a role (super_admin, admin or support)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="login name")
        parser.add_argument("--email", required=True, help="e-mail address")
        parser.add_argument("--role", required=True, choices=Role.values, help="the admin's role")
        parser.add_argument(
            "--ip-whitelist",
            nargs="*",
            default=None,
            metavar="ADDRESS",
            help="addresses or CIDR ranges the admin may log in from (default: anywhere)",
        )
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if AdminUser.objects.filter(username=username).exists():
            raise CommandError(f"an admin named {username!r} already exists")
        password = self._password(options["password_stdin"])
        user = AdminUser(username=username, email=options["email"], role=options["role"])
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(f"password refused: {' '.join(error.messages)}") from None
        with transaction.atomic():
            user = AdminUser.objects.create_user(
                username,
                options["email"],
                password,
                role=options["role"],
                ip_whitelist=options["ip_whitelist"],
                created_by="rtx_create_admin",
            )
            audit_record(
                admin=None,
                admin_username="rtx_create_admin",
                action="create",
                resource_type="admin_users",
                resource_id=user.pk,
                details={"username": username, "role": options["role"]},
            )
        self.stdout.write(self.style.SUCCESS(f"Created {options['role']} {username!r}."))

    @staticmethod
    def _password(from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("the passwords do not match")
        else:
            raise CommandError("no password: pass --password-stdin and pipe it in")
        if not password:
            raise CommandError("the password is empty")
        return password
