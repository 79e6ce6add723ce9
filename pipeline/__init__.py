"""llm-ledger: a versioned dataset of LLM deployment economics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llm-ledger")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

REPOSITORY_URL = "https://github.com/llm-ledger/llm-ledger"
USER_AGENT = f"llm-ledger/{__version__} (+{REPOSITORY_URL})"
