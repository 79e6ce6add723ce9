"""Where Iceberg publication goes: a catalog URI, a warehouse location, and the secrets to reach them.

The catalog is a SQL catalog (a SQLite file for one machine, PostgreSQL for a team) or a REST
catalog; the data goes to a local folder or S3-compatible object storage. Secrets are read from
the environment at the moment a catalog is opened and handed to pyiceberg in memory: they are
never written to a file, a log line, a snapshot property or an error message (`redact` removes
each one from any text shown).

Environment (standard AWS names, or the LEDGER_ICEBERG_* ones, which win):
  LEDGER_ICEBERG_CATALOG, LEDGER_ICEBERG_WAREHOUSE    what `publish_configured` publishes to
  LEDGER_ICEBERG_S3_ENDPOINT / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  LEDGER_ICEBERG_S3_ACCESS_KEY_ID / AWS_ACCESS_KEY_ID
  LEDGER_ICEBERG_S3_SECRET_ACCESS_KEY / AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  LEDGER_ICEBERG_S3_REGION / AWS_REGION / AWS_DEFAULT_REGION
  LEDGER_ICEBERG_TOKEN, LEDGER_ICEBERG_CREDENTIAL    a REST catalog's bearer token or client credential
  PGPASSWORD                                          a PostgreSQL catalog's password (libpq reads it)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ENV_CATALOG = "LEDGER_ICEBERG_CATALOG"
ENV_WAREHOUSE = "LEDGER_ICEBERG_WAREHOUSE"
NAMESPACE = "ledger"
CATALOG_NAME = "ledger"
DEFAULT_CATALOG_FILE = "catalog.db"
_FIRST_SET = {
    "s3.endpoint": ("LEDGER_ICEBERG_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
    "s3.access-key-id": ("LEDGER_ICEBERG_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
    "s3.secret-access-key": ("LEDGER_ICEBERG_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
    "s3.session-token": ("AWS_SESSION_TOKEN",),
    "s3.region": ("LEDGER_ICEBERG_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
}
_REST_SECRETS = {"token": "LEDGER_ICEBERG_TOKEN", "credential": "LEDGER_ICEBERG_CREDENTIAL"}
_SECRET_ENV = ("LEDGER_ICEBERG_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
               "LEDGER_ICEBERG_TOKEN", "LEDGER_ICEBERG_CREDENTIAL", "PGPASSWORD")
_USERINFO_PASSWORD = re.compile(r"(?<=[:/]//)([^:/@\s]*):([^@\s]*)@")


class IcebergExportError(RuntimeError):
    """Publication to Iceberg failed; the message names the table and the target, never a secret."""


@dataclass(frozen=True)
class IcebergTarget:
    """A catalog (URI) and a warehouse location (a folder or s3://bucket/prefix)."""

    catalog: str
    warehouse: str
    namespace: str = NAMESPACE

    @classmethod
    def resolve(cls, catalog: str | None, warehouse: str) -> IcebergTarget:
        """A target from a CLI's or the environment's values; a local warehouse gets a SQLite catalog
        beside it when no catalog is given."""
        if not warehouse:
            raise IcebergExportError("no Iceberg warehouse location given (a folder or s3://bucket/prefix)")
        if not is_object_store(warehouse):
            warehouse = str(Path(warehouse).expanduser().resolve())
        if not catalog:
            if is_object_store(warehouse):
                raise IcebergExportError(f"a warehouse on object storage ({warehouse}) needs a catalog URI "
                                         "shared by every reader: sqlite:///…, postgresql://… or https://…")
            catalog = f"sqlite:///{Path(warehouse) / DEFAULT_CATALOG_FILE}"
        return cls(catalog=catalog, warehouse=warehouse)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> IcebergTarget | None:
        """The target LEDGER_ICEBERG_CATALOG / LEDGER_ICEBERG_WAREHOUSE name, or None when unset."""
        catalog, warehouse = environ.get(ENV_CATALOG, "").strip(), environ.get(ENV_WAREHOUSE, "").strip()
        if not catalog and not warehouse:
            return None
        if not warehouse:
            raise IcebergExportError(f"{ENV_CATALOG} is set but {ENV_WAREHOUSE} is not: set both, or neither")
        return cls.resolve(catalog or None, warehouse)

    def describe(self) -> str:
        """The target for messages: the catalog without any password."""
        return f"catalog {redact_uri(self.catalog)}, warehouse {self.warehouse}"

    def catalog_properties(self, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
        """pyiceberg's properties for this catalog, secrets included (kept in memory only)."""
        uri = self.catalog.strip()
        scheme = urlsplit(uri).scheme.lower()
        props = {"warehouse": _warehouse_uri(self.warehouse), "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO"}
        if scheme in ("http", "https"):
            props.update(type="rest", uri=uri)
            props.update({k: environ[v] for k, v in _REST_SECRETS.items() if environ.get(v)})
        elif scheme.startswith("sqlite"):
            path = uri.split(":///", 1)[1] if ":///" in uri else ""
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            props.update(type="sql", uri=uri)
        elif scheme in ("postgres", "postgresql") or scheme.startswith("postgresql+"):
            props.update(type="sql", uri="postgresql+psycopg2://" + uri.split("://", 1)[1])
        elif not scheme:
            path = Path(uri).expanduser().resolve()
            path.parent.mkdir(parents=True, exist_ok=True)
            props.update(type="sql", uri=f"sqlite:///{path}")
        else:
            raise IcebergExportError(f"unsupported Iceberg catalog {redact_uri(uri)}: use sqlite:///FILE, "
                                     "postgresql://USER@HOST:PORT/DB or an http(s):// REST catalog")
        if is_object_store(self.warehouse):
            props.update(s3_properties(environ))
        return props

    def load_catalog(self, environ: Mapping[str, str] = os.environ):
        from pyiceberg.catalog import load_catalog

        properties = self.catalog_properties(environ)
        try:
            return load_catalog(CATALOG_NAME, **properties)
        except Exception as exc:  # noqa: BLE001 - any driver error, shown without secrets
            message = redact(f"cannot open the Iceberg catalog ({self.describe()}): {type(exc).__name__}: {exc}",
                             self, environ)
        raise IcebergExportError(message)  # outside the handler: the driver's error is not chained


def is_object_store(location: str) -> bool:
    return urlsplit(location).scheme.lower() in ("s3", "s3a", "s3n")


def _warehouse_uri(location: str) -> str:
    return location if is_object_store(location) else Path(location).as_uri()


def s3_properties(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """pyiceberg's s3.* properties from the environment (polars.scan_iceberg takes the same keys)."""
    props = {}
    for key, names in _FIRST_SET.items():
        value = next((environ[n] for n in names if environ.get(n)), None)
        if value:
            props[key] = value
    return props


def redact_uri(uri: str) -> str:
    """`scheme://user:password@host` → `scheme://user:***@host`."""
    return _USERINFO_PASSWORD.sub(lambda m: f"{m.group(1)}:***@", uri)


def redact(text: str, target: IcebergTarget | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """`text` with every secret this module may hold replaced by ***."""
    secrets = [environ[n] for n in _SECRET_ENV if environ.get(n)]
    if target is not None:
        password = urlsplit(target.catalog).password
        if password:
            secrets += [password, unquote(password)]
    text = redact_uri(text)
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 4:  # a shorter "secret" would blank out ordinary words
            text = text.replace(secret, "***")
    return text
