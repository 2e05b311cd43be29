"""Errors a user can cause, each with the HTTP status it maps to (one place)."""


class KejurdaError(Exception):
    """A mistake by a user or a client: shown as one clear line, never a traceback."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(KejurdaError):
    status = 400


class Unauthorized(KejurdaError):
    status = 401


class Forbidden(KejurdaError):
    status = 403


class NotFound(KejurdaError):
    status = 404


class Conflict(KejurdaError):
    status = 409


class Invalid(KejurdaError):
    """A well-formed request whose content breaks a rule (HTTP 422)."""

    status = 422


class LoadError(KejurdaError):
    """An event file or a teams CSV that cannot be loaded; nothing was changed."""
