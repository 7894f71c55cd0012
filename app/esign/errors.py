"""The one error the signing package ends in; the services turn it into their own (Invalid).

app.esign is a library below the services (like app.docgen): it imports nothing of the
application, so the message is Vietnamese text for people and ``code`` a stable name for
the API and the tests.
"""


class SigningRefused(Exception):
    def __init__(self, message: str, code: str = "signing_refused", details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}
