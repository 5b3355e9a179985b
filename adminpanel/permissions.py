"""Role-based access for the back office, after the Go tool's CheckPermission.

Permissions are Django's ``<app_label>.<action>_<model>`` strings. ``super_admin`` may do
everything; ``admin`` may view and change trading data, accounts, users and groups but
not admin users; ``support`` may only view. Nobody adds, changes or deletes audit entries
through the admin: the audit log is written by the audit service alone.
"""

ADMIN_ONLY_MODELS = frozenset({"adminpanel.adminuser"})
APPEND_ONLY_MODELS = frozenset({"adminpanel.adminauditlog"})


def role_allows(role: str, perm: str) -> bool:
    app_label, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    qualified_model = f"{app_label}.{model}"
    if qualified_model in APPEND_ONLY_MODELS and action != "view":
        return False
    if role == "super_admin":
        return True
    if action == "view":
        return role in {"admin", "support"}
    return role == "admin" and qualified_model not in ADMIN_ONLY_MODELS
