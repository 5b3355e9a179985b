from django.contrib.auth.forms import BaseUserCreationForm

from adminpanel.models import AdminUser


class AdminUserCreationForm(BaseUserCreationForm):
    class Meta:
        model = AdminUser
        fields = ("username", "email", "role", "ip_whitelist")
