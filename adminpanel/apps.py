from django.apps import AppConfig


class AdminPanelConfig(AppConfig):
    name = "adminpanel"
    verbose_name = "Back office"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import signals

        from adminpanel.models import AdminAuditLog
        from adminpanel.signals import record_login, record_login_failure, record_logout
        from rtx.audit import keep_audit_log_in

        keep_audit_log_in(AdminAuditLog)

        signals.user_logged_in.connect(record_login, dispatch_uid="rtx-audit-login")
        signals.user_logged_out.connect(record_logout, dispatch_uid="rtx-audit-logout")
        signals.user_login_failed.connect(record_login_failure, dispatch_uid="rtx-audit-failed")
