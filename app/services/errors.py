"""The errors a use case can end in; the API and the pages turn them into answers."""


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, details=None, code=None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class NotFound(ServiceError):
    status = 404
    code = "not_found"

    def __init__(self, message="Không tìm thấy mục yêu cầu.", details=None, code=None):
        super().__init__(message, details, code)


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """Someone acted first: the item changed since the caller read it."""

    status = 409
    code = "conflict"


class Invalid(ServiceError):
    """Well-formed input that breaks a rule (a guard, a missing comment, a bad value)."""

    status = 422
    code = "unprocessable"


class Unavailable(ServiceError):
    """A part of the server the use case needs is missing or failed (LibreOffice for a PDF);
    nothing changed, the person may try again later."""

    status = 503
    code = "unavailable"


STALE_MESSAGE = "Mục này vừa được người khác thay đổi. Hãy tải lại trang và thử lại."


class SignatureRequired(ServiceError):
    """The step waits for a signature made elsewhere (the signer's token or their CA):
    nothing changed; ``details`` carries the signing request to answer."""

    status = 202
    code = "signature_required"
