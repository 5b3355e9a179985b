"""Admin login: only ACTIVE admins, only from their ip_whitelist, legacy bcrypt hashes accepted.

A refused login looks like a wrong password to the browser (Django's usual message); the
reason goes to the audit log through ``request.login_refusal``.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from adminpanel.models import AdminStatus, AdminUser
from rtx.network import address_allowed, client_address


class AdminBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AdminUser | None:
        if username is None or password is None:
            return None
        user = AdminUser.objects.filter(username=username).first()
        if user is None:
            AdminUser().set_password(password)  # Same work as a real check: no timing hint.
            return None
        if not user.check_password(password):
            return None
        refusal = self.refusal(user, request)
        if refusal:
            if request is not None:
                request.login_refusal = refusal  # type: ignore[attr-defined]
            return None
        return user

    @staticmethod
    def refusal(user: AdminUser, request: HttpRequest | None) -> str | None:
        if user.status != AdminStatus.ACTIVE:
            return f"admin status is {user.status}"
        address = client_address(request)
        if not address_allowed(address, user.ip_whitelist):
            return f"address {address} is not in the admin's ip_whitelist"
        return None
