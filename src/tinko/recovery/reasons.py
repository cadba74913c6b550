"""Why each attempt and message of a recovery is what it is: the reasons and their sentences.

The codes and the renderer live in `tinko.reasons`, below the domains, so notify can write
reasons too; this is the name the API and the console import.
"""

from tinko.reasons import LANGUAGES, Reason, ReasonCode, explain, make

__all__ = ["LANGUAGES", "Reason", "ReasonCode", "explain", "make"]
