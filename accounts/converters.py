"""The `id` path converter: a database id in an address, at most PostgreSQL's largest bigint.

Django's `int` takes any number of digits; one beyond a bigint reaches the database and fails
there ("bigint out of range"). This one does not match it, so the address answers 404 before any
query. It lives below every app that puts ids in its addresses; accounts registers it when ready.
"""

BIGINT_MAX = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError(value)  # the resolver then tries the next pattern, and answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
