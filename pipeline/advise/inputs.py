"""What `ledger advise` is asked: a monthly volume, a token mix and the constraints of the decision
framework, checked once here so that every later step can trust them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

TASKS = ("complex", "structured")
FINE_TUNES = ("full", "lora")
FLAGS = ("data_in_house", "no_ml_ops", "edge", "vendor_independence")


class InputError(ValueError):
    """An input that cannot be answered: the message names the input and the rule it breaks."""


@dataclass(frozen=True)
class Inputs:
    requests_per_month: int
    input_tokens: int | None = None  # per request; None until the quarter's default mix fills it
    output_tokens: int | None = None
    task: str | None = None
    min_tier: int | None = None
    data_in_house: bool = False
    no_ml_ops: bool = False
    edge: bool = False
    fine_tune: str | None = None
    monthly_active_users: int | None = None
    vendor_independence: bool = False
    # Where each number came from (flag, usage file, assumptions): printed with the answer.
    provenance: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        problems = []
        if not isinstance(self.requests_per_month, int) or self.requests_per_month < 1:
            problems.append(f"requests_per_month must be a whole number of at least 1, got {self.requests_per_month!r}")
        if self.input_tokens is not None and (not isinstance(self.input_tokens, int) or self.input_tokens < 0):
            problems.append(f"input_tokens must be a whole number of at least 0, got {self.input_tokens!r}")
        if self.output_tokens is not None and (not isinstance(self.output_tokens, int) or self.output_tokens < 1):
            problems.append(f"output_tokens must be a whole number of at least 1, got {self.output_tokens!r}")
        if self.task is not None and self.task not in TASKS:
            problems.append(f"task must be one of {TASKS}, got {self.task!r}")
        if self.min_tier is not None and self.min_tier not in (1, 2, 3):
            problems.append(f"min_tier must be 1, 2 or 3, got {self.min_tier!r}")
        if self.fine_tune is not None and self.fine_tune not in FINE_TUNES:
            problems.append(f"fine_tune must be one of {FINE_TUNES}, got {self.fine_tune!r}")
        if self.monthly_active_users is not None and (not isinstance(self.monthly_active_users, int)
                                                      or self.monthly_active_users < 0):
            problems.append(f"monthly_active_users must be a whole number of at least 0, got {self.monthly_active_users!r}")
        if problems:
            raise InputError("; ".join(problems))

    @property
    def complete(self) -> bool:
        return self.input_tokens is not None and self.output_tokens is not None

    def with_mix(self, input_tokens: int, output_tokens: int, provenance: dict) -> Inputs:
        """The same inputs with the token mix filled where it was not given."""
        merged = {**provenance, **self.provenance}
        return replace(self, input_tokens=self.input_tokens if self.input_tokens is not None else input_tokens,
                       output_tokens=self.output_tokens if self.output_tokens is not None else output_tokens,
                       provenance=merged)

    def value(self, name: str):
        return getattr(self, name)

    def as_dict(self) -> dict:
        """The JSON contract's `inputs` (docs/advise.md)."""
        out = asdict(self)
        out["provenance"] = dict(self.provenance)
        return out
