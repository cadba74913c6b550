"""The one error the classifier raises: a data table that fails validation."""

from __future__ import annotations


class ClassifierDataError(ValueError):
    """A data file is malformed. The message names the file and the offending key."""

    def __init__(self, file: str, key: str | None, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")
