"""Validating hand-written YAML: a collector of every problem with its key, and the citation check."""

from __future__ import annotations

from collections.abc import Sequence


class Checker:
    """Checks values one key at a time and remembers every failure (not just the first)."""

    def __init__(self, what: str):
        self.what = what
        self.errors: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{key or '(top level)'}: {message}")

    def raise_if_any(self, exc_type: type[Exception]) -> None:
        if self.errors:
            raise exc_type(f"{self.what} is not valid:\n  " + "\n  ".join(self.errors))

    def keys(self, key: str, value: dict, allowed: Sequence[str]) -> None:
        for k in value:
            if k not in allowed:
                self.error(f"{key}.{k}" if key else str(k), f"unknown key (known: {', '.join(allowed)})")

    def mapping(self, key: str, value, allowed: Sequence[str] | None = None) -> dict:
        if not isinstance(value, dict):
            self.error(key, f"must be a mapping, got {value!r}")
            return {}
        if allowed is not None:
            self.keys(key, value, allowed)
        return value

    def number(self, key: str, value, minimum: float | None = None, maximum: float | None = None,
               hint: str = "") -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.error(key, f"must be a number{' ' + hint if hint else ''}, got {value!r}")
            return None
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum}, got {value!r}")
            return None
        if maximum is not None and value > maximum:
            self.error(key, f"must be at most {maximum}, got {value!r}")
            return None
        return value

    def integer(self, key: str, value, minimum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"must be a whole number, got {value!r}")
            return None
        return self.number(key, value, minimum=minimum)

    def integers(self, key: str, value, minimum: int | None = None) -> list[int]:
        if not isinstance(value, list) or not value:
            self.error(key, f"must be a non-empty list of whole numbers, got {value!r}")
            return []
        out = [self.integer(f"{key}[{i}]", v, minimum=minimum) for i, v in enumerate(value)]
        return sorted({v for v in out if v is not None})

    def text(self, key: str, value) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"must be a non-empty text, got {value!r}")
            return None
        return value.strip()

    def texts(self, key: str, value) -> list[str]:
        if not isinstance(value, list):
            self.error(key, f"must be a list of texts, got {value!r}")
            return []
        return [t for t in (self.text(f"{key}[{i}]", v) for i, v in enumerate(value)) if t is not None]

    def choice(self, key: str, value, allowed: Sequence[str]) -> str | None:
        if value not in allowed:
            self.error(key, f"must be one of {', '.join(allowed)}, got {value!r}")
            return None
        return value


def missing_citations(document: dict) -> list[str]:
    """Numeric keys of a document without a citation (the default file must have none)."""
    cited = set((document.get("citations") or {}).keys())
    out = []
    for key, value in document.items():
        if key in ("citations", "deployments", "api_providers"):
            continue
        if _has_number(value) and key not in cited and not any(c.startswith(key + ".") for c in cited):
            out.append(key)
        if isinstance(value, dict):
            out += [f"{key}.{k}" for k, v in value.items()
                    if _has_number(v) and key not in cited and f"{key}.{k}" not in cited]
    # Which provider is a developer's own API decides what counts as managed inference: a curated fact.
    out += [f"api_providers.{k}" for k, v in (document.get("api_providers") or {}).items()
            if v and f"api_providers.{k}" not in cited]
    for d in document.get("deployments") or []:
        own = set((d.get("citations") or {}).keys())
        out += [f"deployments[{d.get('id')}].{k}" for k, v in d.items()
                if k not in ("citations", "id") and _has_number(v) and k not in own]
    return sorted(set(out))


def _has_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, dict):
        return any(_has_number(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_number(v) for v in value)
    return False
