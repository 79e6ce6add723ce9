"""The tokens a run may send, and nothing else from the environment.

A source names the environment variable holding its bearer token (`Source.auth_env`, e.g.
HF_TOKEN); backfill sends GITHUB_TOKEN to the GitHub API when it is set. A run's plan holds
those values only, each in a `Secret` whose repr and str never show it, so that a plan, a
record or a message that prints one shows `Secret('HF_TOKEN', ***)`. The value comes out only
through `reveal()`, where a request header is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pipeline.core.history import TOKEN_ENV as GITHUB_TOKEN_ENV
from pipeline.core.sources import Source


class Secret:
    """A named token. Not a dataclass: `dataclasses.asdict(plan)` must not unpack its value."""

    __slots__ = ("name", "_value")

    def __init__(self, name: str, value: str):
        self.name = name
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.name!r}, ***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self.name, self._value) == (other.name, other._value)

    def __hash__(self) -> int:
        return hash(self.name)


def declared_names(sources: Iterable[Source]) -> list[str]:
    """The variables the sources (and backfill) may read, sorted."""
    return sorted({s.auth_env for s in sources if s.auth_env} | {GITHUB_TOKEN_ENV})


def secrets_from_env(environ: Mapping[str, str], sources: Iterable[Source]) -> dict[str, Secret]:
    """`{name: Secret}` for each declared variable that `environ` sets to a non-empty value."""
    return {name: Secret(name, environ[name]) for name in declared_names(sources) if environ.get(name)}


def bearer(secret: Secret | None) -> dict[str, str]:
    """The Authorization header for a token, or none when it is not set."""
    return {"Authorization": f"Bearer {secret.reveal()}"} if secret is not None else {}
