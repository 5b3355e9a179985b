"""What fixapi refuses, as exceptions whose message is one line for an operator.

Every message names the value at fault and what to do about it, and never holds key
material or a password: commands print it as it is.
"""


class FixApiError(Exception):
    pass


class KeyConfigurationError(FixApiError):
    """The environment's key material is missing, malformed, or lacks a key id in use."""


class CredentialCryptoError(FixApiError):
    """Stored password bytes cannot be read: not our format, or they fail authentication."""


class CredentialError(FixApiError):
    """A credential request that its input or the credential's status refuses."""


class SessionError(FixApiError):
    """A session request for a session or credential that cannot take it."""


class SessionLimitError(SessionError):
    """Opening one more session would exceed the credential's max_sessions."""


class LegacyStoreError(FixApiError):
    """The Go engine's credential file cannot be imported as it is: unreadable, not its
    shape, or not decrypting with the master password."""
