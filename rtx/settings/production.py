"""Production overlay: refuses to start on development values.

Loaded by :mod:`rtx.settings` when ``ENVIRONMENT=production``.
"""

from django.core.exceptions import ImproperlyConfigured

from rtx.settings.base import DEBUG, DEVELOPMENT_SECRET_KEY, SECRET_KEY

if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "ENVIRONMENT=production needs SECRET_KEY set to a random value of 32 characters or more"
    )
if DEBUG:
    raise ImproperlyConfigured("ENVIRONMENT=production refuses DEBUG=true; unset DEBUG")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
