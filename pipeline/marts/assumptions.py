"""The assumptions behind the marts: the versioned YAML, what-if overrides, validation, a hash.

`assumptions.yaml` next to this module is the default, every number cited. A what-if file
(`ledger refresh --assumptions FILE`) overrides any subset of it: mappings merge key by key,
lists replace, and `deployments` merge by `id` (a new id adds a deployment). The merged
document is validated as a whole and every problem is reported at once, naming the file and
the key. The hash covers the values only (not citations, comments, key order or 2 vs 2.0), so
it changes exactly when a number the marts use changes.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import yaml

from pipeline.marts.costs import monthly_capacity_requests
from pipeline.marts.validation import Checker, missing_citations  # noqa: F401 (part of this module's API)

DEFAULT_FILE = Path(__file__).with_name("assumptions.yaml")
# fp16/bf16: 2 bytes per parameter, fp8/int8: 1, int4: 0.5 (weights only).
BYTES_PER_PARAMETER = {"fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
HIDDEN_COST_KEYS = ("ml_engineering", "infrastructure", "monitoring")
TOP_KEYS = ("request_mix", "volumes", "hours_per_month", "tiers", "api_providers", "deployments", "tco",
            "citations")
DEPLOYMENT_KEYS = ("id", "model", "model_size_b", "active_params_b", "precision", "gpu", "gpu_count",
                   "monthly_capacity_requests", "throughput_output_tokens_per_s", "utilization", "gpu_monthly_cost_usd",
                   "hidden_costs", "compare_with", "citations")
TCO_KINDS = ("api", "managed", "deployment")


class AssumptionsError(ValueError):
    """The assumptions cannot be used; the message lists every problem with its file and key."""


@dataclass(frozen=True)
class HiddenCosts:
    """USD per month, on top of the GPUs."""

    ml_engineering: float
    infrastructure: float
    monitoring: float

    @property
    def total(self) -> float:
        return self.ml_engineering + self.infrastructure + self.monitoring


@dataclass(frozen=True)
class Deployment:
    id: str
    model: str | None
    model_size_b: float
    precision: str
    gpu: str
    gpu_count: int
    monthly_capacity_requests: int
    gpu_monthly_cost_usd: float | None
    hidden_costs: HiddenCosts
    compare_with: tuple[str, ...]
    # The cited throughput the capacity was derived from (None: monthly_capacity_requests was stated,
    # and stands whatever is measured), and the share of it a service averages.
    throughput_output_tokens_per_s: float | None = None
    utilization: float = 1.0
    active_params_b: float | None = None  # mixture-of-experts: parameters read per token

    @property
    def bytes_per_parameter(self) -> float:
        return BYTES_PER_PARAMETER[self.precision]


@dataclass(frozen=True)
class Assumptions:
    input_tokens: int
    output_tokens: int
    volumes: tuple[int, ...]
    hours_per_month: float
    tier_metric: str
    tier1_max_gap: float
    tier2_max_gap: float
    provider_preference: tuple[str, ...]
    first_party: dict[str, tuple[str, ...]]
    deployments: tuple[Deployment, ...]
    tco_requests: tuple[int, ...]
    tco_options: tuple[str, ...]
    api_hidden_costs: HiddenCosts
    document: dict     # the merged YAML document, citations included (stored with the run)
    source: str        # "default" or the override file

    def values(self) -> dict:
        """Everything the marts compute from, as plain JSON values (what the hash covers)."""
        out = asdict(self)
        out.pop("document")
        out.pop("source")
        return out

    @cached_property  # frozen: the values never change after loading
    def hash(self) -> str:
        canonical = json.dumps(self.values(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def deployment(self, deployment_id: str) -> Deployment:
        for d in self.deployments:
            if d.id == deployment_id:
                return d
        raise KeyError(deployment_id)


def read_yaml(path: Path) -> dict:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AssumptionsError(f"assumptions {path}: cannot be read as YAML: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise AssumptionsError(f"assumptions {path}: the top level must be a mapping, got {type(doc).__name__}")
    return doc


def merge(base: dict, override: dict, path: str = "") -> dict:
    """`override` laid over `base`: mappings merge, lists replace, deployments merge by id."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = f"{path}{key}"
        if key == "deployments" and not path and isinstance(value, list):
            out[key] = _merge_deployments(out.get(key) or [], value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, where + ".")
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_deployments(base: list, override: list) -> list:
    merged = [copy.deepcopy(d) for d in base]
    index = {d.get("id"): i for i, d in enumerate(merged) if isinstance(d, dict)}
    for entry in override:
        if not isinstance(entry, dict) or "id" not in entry:
            raise AssumptionsError(f"deployments: every override entry needs an `id` (got {entry!r})")
        if entry["id"] in index:
            merged[index[entry["id"]]] = merge(merged[index[entry["id"]]], entry)
        else:
            index[entry["id"]] = len(merged)
            merged.append(copy.deepcopy(entry))
    return merged


def load_assumptions(override_file: Path | str | None = None, default_file: Path = DEFAULT_FILE) -> Assumptions:
    document = read_yaml(default_file)
    source = "default"
    if override_file:
        try:
            document = merge(document, read_yaml(Path(override_file)))
        except AssumptionsError as exc:
            raise AssumptionsError(f"assumptions {override_file}: {exc}") from None
        source = str(Path(override_file).resolve())
    return parse_assumptions(document, source)


def parse_assumptions(document: dict, source: str = "default") -> Assumptions:
    c = Checker(f"assumptions ({source})")
    c.keys("", document, TOP_KEYS)
    mix = c.mapping("request_mix", document.get("request_mix"), ("input_tokens", "output_tokens"))
    input_tokens = c.integer("request_mix.input_tokens", mix.get("input_tokens"), minimum=0)
    output_tokens = c.integer("request_mix.output_tokens", mix.get("output_tokens"), minimum=1)
    volumes = c.integers("volumes", document.get("volumes"), minimum=1)
    hours = c.number("hours_per_month", document.get("hours_per_month"), minimum=1, maximum=744)
    tiers = c.mapping("tiers", document.get("tiers"), ("metric", "tier1_max_gap", "tier2_max_gap"))
    metric = c.text("tiers.metric", tiers.get("metric"))
    gap1 = c.number("tiers.tier1_max_gap", tiers.get("tier1_max_gap"), minimum=0)
    gap2 = c.number("tiers.tier2_max_gap", tiers.get("tier2_max_gap"), minimum=0)
    if gap1 is not None and gap2 is not None and gap2 < gap1:
        c.error("tiers.tier2_max_gap", f"must be at least tier1_max_gap ({gap1}), got {gap2}")
    providers = c.mapping("api_providers", document.get("api_providers") or {}, ("preference", "first_party"))
    preference = tuple(c.texts("api_providers.preference", providers.get("preference") or []))
    first_party = {str(k): tuple(c.texts(f"api_providers.first_party.{k}", v))
                   for k, v in c.mapping("api_providers.first_party", providers.get("first_party") or {}).items()}
    deployments = _deployments(c, document.get("deployments"), output_tokens, hours)
    tco = c.mapping("tco", document.get("tco"), ("monthly_requests", "options", "api_hidden_costs"))
    requests = tco.get("monthly_requests")
    tco_requests = c.integers("tco.monthly_requests", [requests] if isinstance(requests, int) else requests,
                              minimum=1)
    options = tuple(c.texts("tco.options", tco.get("options")))
    ids = {d.id for d in deployments}
    for i, option in enumerate(options):
        kind, _, name = option.partition(":")
        if kind not in TCO_KINDS or not name:
            c.error(f"tco.options[{i}]", "must be 'api:<canonical model>', 'managed:<canonical model>' or "
                                         f"'deployment:<id>', got {option!r}")
        elif kind == "deployment" and name not in ids:
            c.error(f"tco.options[{i}]", f"no deployment {name!r} (known: {', '.join(sorted(ids))})")
    api_hidden = _hidden(c, "tco.api_hidden_costs", tco.get("api_hidden_costs") or dict.fromkeys(HIDDEN_COST_KEYS, 0))
    c.raise_if_any(AssumptionsError)
    return Assumptions(input_tokens, output_tokens, tuple(volumes), float(hours), metric, float(gap1), float(gap2),
                       preference, first_party, tuple(deployments), tuple(tco_requests), options, api_hidden,
                       document, source)


def _hidden(c: Checker, where: str, value) -> HiddenCosts:
    costs = c.mapping(where, value, HIDDEN_COST_KEYS)
    amounts = [c.number(f"{where}.{k}", costs.get(k), minimum=0) for k in HIDDEN_COST_KEYS]
    return HiddenCosts(*[float(a) if a is not None else 0.0 for a in amounts])


def _deployments(c: Checker, value, output_tokens: int | None, hours: float | None) -> list[Deployment]:
    if not isinstance(value, list) or not value:
        c.error("deployments", "must be a non-empty list of deployments")
        return []
    out, seen = [], set()
    for i, raw in enumerate(value):
        if not isinstance(raw, dict):
            c.error(f"deployments[{i}]", f"must be a mapping, got {raw!r}")
            continue
        did = c.text(f"deployments[{i}].id", raw.get("id"))
        where = f"deployments[{did or i}]"
        if did in seen:
            c.error(where, "id repeated")
        seen.add(did)
        c.keys(where, raw, DEPLOYMENT_KEYS)
        size = c.number(f"{where}.model_size_b", raw.get("model_size_b"), minimum=0.001)
        precision = c.choice(f"{where}.precision", raw.get("precision"), tuple(BYTES_PER_PARAMETER))
        gpu = c.text(f"{where}.gpu", raw.get("gpu"))
        count = c.integer(f"{where}.gpu_count", raw.get("gpu_count"), minimum=1)
        fixed = raw.get("gpu_monthly_cost_usd")
        fixed = None if fixed is None else c.number(f"{where}.gpu_monthly_cost_usd", fixed, minimum=0)
        capacity, rate, utilization = _capacity(c, where, raw, output_tokens, hours)
        active = raw.get("active_params_b")
        active = None if active is None else c.number(f"{where}.active_params_b", active, minimum=0.001)
        compare = tuple(c.texts(f"{where}.compare_with", raw.get("compare_with") or []))
        if len(set(compare)) != len(compare):
            c.error(f"{where}.compare_with", f"lists a model twice: {list(compare)}")
        model = raw.get("model")
        if model is not None and not isinstance(model, str):
            c.error(f"{where}.model", f"must be a canonical model id, got {model!r}")
        hidden = _hidden(c, f"{where}.hidden_costs", raw.get("hidden_costs"))
        if None not in (did, size, precision, gpu, count, capacity):
            out.append(Deployment(did, model, float(size), precision, gpu, count, capacity,
                                  None if fixed is None else float(fixed), hidden, compare,
                                  None if rate is None else float(rate), float(utilization or 1.0),
                                  None if active is None else float(active)))
    return out


def _capacity(c: Checker, where: str, raw: dict, output_tokens: int | None,
              hours: float | None) -> tuple[int | None, float | None, float | None]:
    """(capacity, throughput, utilisation): explicit monthly_capacity_requests, or derived from a cited
    throughput and utilisation (the marts replace it with a measured figure where one matches)."""
    explicit = raw.get("monthly_capacity_requests")
    if explicit is not None:
        return c.integer(f"{where}.monthly_capacity_requests", explicit, minimum=1), None, None
    rate = c.number(f"{where}.throughput_output_tokens_per_s", raw.get("throughput_output_tokens_per_s"),
                    minimum=0.001, hint="(or give monthly_capacity_requests)")
    utilization = c.number(f"{where}.utilization", raw.get("utilization", 1.0), minimum=0.001, maximum=1)
    if None in (rate, utilization, output_tokens, hours):
        return None, rate, utilization
    capacity = monthly_capacity_requests(rate, utilization, hours, output_tokens)
    if capacity < 1:
        c.error(where, f"serves less than one request a month ({rate} tokens/s x {utilization})")
        return None, rate, utilization
    return capacity, rate, utilization
