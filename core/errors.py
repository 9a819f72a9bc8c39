"""The one error a business rule raises: the API turns it into a 4xx naming the field."""


class RuleError(ValueError):
    """A rule refused the input. ``field`` names the input at fault; ``message`` is for people (a
    lazy translation, rendered in the caller's language); ``status`` is the HTTP answer (422 unless
    the rule says 403, 404 or 409); ``errors`` may carry nested field messages (a scheme document).
    Raised by services; API handlers let it pass, pages show it next to the field."""

    status = 422

    def __init__(self, field: str, message, status: int | None = None, errors: dict | None = None):
        super().__init__(message)
        self.field, self.message, self.errors = field, message, errors
        if status is not None:
            self.status = status

    def field_errors(self) -> dict:
        return {self.field: self.errors} if self.errors else {self.field: [str(self.message)]}
