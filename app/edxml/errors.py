"""The one error of the edXML package: a Vietnamese message for people, a stable code for
the API and the tests (like app.esign.errors.SigningRefused)."""


class EdxmlError(Exception):
    def __init__(self, message: str, code: str = "edxml_invalid", details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}
