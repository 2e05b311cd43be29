"""Domain errors of the championship rules.

The scoreboard maps these to 4xx responses in one place; a `RuleViolation` is
always the caller's mistake (a bad request, a forbidden transition), never a bug.
"""


class RuleViolation(Exception):
    """A request that the rules of the championship do not allow.

    The message is meant for people: it names the field or the transition and
    the reason, e.g. ``"seq: must be an integer >= 1"``.
    """
