"""Where things live on disk.

The repository root holds the code, the DDL (`warehouse/*.sql`) and the bundled recorded
responses. Generated data (the warehouse file, its raw archive, staging copies, exports) goes
to `warehouse/` and `exports/` by default; LEDGER_WAREHOUSE_DIR and LEDGER_EXPORTS_DIR move it
(tests point them at a temporary folder).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "warehouse"
CURATED_DIR = ROOT / "pipeline" / "curated"
DB_FILENAME = "ledger.duckdb"


@dataclass(frozen=True)
class Paths:
    warehouse_dir: Path
    exports_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if env is None else env
        return cls(
            warehouse_dir=Path(env.get("LEDGER_WAREHOUSE_DIR") or ROOT / "warehouse").resolve(),
            exports_dir=Path(env.get("LEDGER_EXPORTS_DIR") or ROOT / "exports").resolve(),
        )

    @property
    def db(self) -> Path:
        return self.warehouse_dir / DB_FILENAME

    @property
    def raw_dir(self) -> Path:
        return self.warehouse_dir / "raw"

    @property
    def staging_dir(self) -> Path:
        return self.warehouse_dir / "staging"

    @property
    def runs_dir(self) -> Path:
        return self.warehouse_dir / "runs"

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / ".refresh.lock"
