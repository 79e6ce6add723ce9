"""A clock fixed at one moment: live and auto refreshes in tests fetch "now" at a known time."""

from datetime import datetime

from pipeline.defs.resources import Clock


class FixedClock(Clock):
    at: str

    def now(self) -> datetime:
        return datetime.fromisoformat(self.at)
