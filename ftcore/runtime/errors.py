"""Errors a user can fix, raised while a run graph executes."""

from __future__ import annotations


class RunError(Exception):
    """A problem with the user's inputs (a bad data file, a missing file, too many bad rows).

    The command line prints it as a message — ``path:line: what is wrong`` and, on the next
    line, how to fix it — never as a traceback. ``hint`` says how to fix it; ``details`` holds
    extra lines (for example the first few bad rows).
    """

    def __init__(self, message: str, hint: str | None = None, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = list(details or [])

    def render(self) -> str:
        """The error as the command line prints it."""
        lines = [f"error: {self.message}"]
        lines += [f"  {d}" for d in self.details]
        if self.hint:
            lines.append(f"  = help: {self.hint}")
        return "\n".join(lines)


class StageFailed(RunError):
    """A stage raised a :class:`RunError`; carries the stage id so the message can name it."""

    def __init__(self, stage_id: str, error: RunError):
        super().__init__(f"stage {stage_id}: {error.message}", error.hint, error.details)
        self.stage_id = stage_id
        self.error = error
