"""The errors graphring raises, one tree, each mapped to a documented exit status."""

from __future__ import annotations


class GraphringError(Exception):
    """Base of every error graphring raises on purpose. Exit status 1."""

    exit_code = 1


class InputError(GraphringError):
    """The input cannot be used: a missing file or column, an unreadable file, a bad option.

    Exit status 2. The message names the file (and column or line where there is one).
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self) -> tuple[object, ...]:
        # so the error crosses from a worker process intact (tables are read in several)
        return (_input_error, (type(self), self.message, self.file, self.line, self.column))


def _input_error(
    cls: type[InputError], message: str, file: str | None, line: int | None, column: str | None
) -> InputError:
    return cls(message, file=file, line=line, column=column)


class ConfigError(InputError):
    """A configuration file or option is wrong. Exit status 2."""


class StoreError(GraphringError):
    """The graph store failed: unreachable server, bad credentials, a query error. Exit status 1."""


class RunLockedError(GraphringError):
    """Another scheduled run holds the workspace lock. Exit status 75 (EX_TEMPFAIL)."""

    exit_code = 75
