"""A clock fixed at one moment: live and auto refreshes in tests fetch "now" at a known time.

Only a code location built for the test has it (pipeline.definitions.build_definitions): no run
config can set it, so no real run can date a fetch in the past.
"""

from datetime import datetime
from functools import lru_cache

from pipeline.defs.resources import Clock


class FixedClock(Clock):
    at: str

    def now(self) -> datetime:
        return datetime.fromisoformat(self.at)


@lru_cache(maxsize=4)
def definitions_at(moment: datetime):
    from pipeline.definitions import build_definitions

    return build_definitions(clock=FixedClock(at=moment.isoformat()))
