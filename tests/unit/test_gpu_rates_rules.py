"""GPU mapping, row guards, the per-offer choice, the summary and the warnings: pure functions."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from pipeline.core.curated import CuratedError
from pipeline.core.family import GuardContext
from pipeline.core.paths import CURATED_DIR
from pipeline.core.validate import validate
from pipeline.gpu_rates import FAMILY, checks, guards
from pipeline.gpu_rates.registry import GpuMap, resolve
from pipeline.gpu_rates.rows import frame, row
from pipeline.gpu_rates.snapshot import choose_rates, summarize


@pytest.fixture(scope="module")
def gpu_map() -> GpuMap:
    return GpuMap.load(CURATED_DIR)


def _ctx(source: str, gpu_map: GpuMap) -> GuardContext:
    return GuardContext(source, pl.DataFrame(), gpu_map.frame())


def test_names_resolve_by_instance_type_first_then_gpu_name_then_canonical(gpu_map):
    rows = frame([row("lambda", "us-east-1", "gpu_1x_h100_pcie", "on_demand", 2.49, "H100", 1.0),
                  row("lambda", "us-east-1", "gpu_8x_h100_sxm5", "on_demand", 23.92, "H100", 8.0),
                  row("aws", "us-east-1", "g5.xlarge", "on_demand", 1.006, "A10G", 1.0)])
    out = resolve(rows, "skypilot_catalog", gpu_map)
    assert out["gpu"].to_list() == ["H100-PCIe", "H100-SXM", "A10G"]
    assert out["gpu_rule"].to_list() == ["curated:instance_type", "curated:gpu_name", "canonical"]
    assert out["usd_per_gpu_hour"].to_list() == [2.49, 2.99, 1.006]
    assert out["resolved_gpu_memory_gb"].to_list() == [80.0, 80.0, 24.0]


def test_azure_gpu_counts_come_from_the_name_map(gpu_map):
    rows = frame([row("azure", "eastus", "Standard_ND96isr_H100_v5", "on_demand", 98.32, "Standard_ND96isr_H100_v5"),
                  row("azure", "eastus", "Standard_NV6ads_A10_v5", "on_demand", 0.454, "Standard_NV6ads_A10_v5")])
    out = resolve(rows, "azure_retail_prices", gpu_map)
    assert out["gpu"].to_list() == ["H100-SXM", "A10"]
    assert out["usd_per_gpu_hour"][0] == pytest.approx(12.29)
    assert out["resolved_gpu_count"][1] == pytest.approx(1 / 6, rel=1e-6)


def test_a_curated_name_map_naming_an_unknown_gpu_is_refused(tmp_path):
    (tmp_path / "gpus.csv").write_text("gpu,display_name,vendor,memory_gb,citation\nT4,NVIDIA T4,NVIDIA,16,x\n")
    (tmp_path / "gpu_names.csv").write_text("source,provider,source_name,gpu,gpu_count,citation\n"
                                            "skypilot_catalog,*,H100,H100-SXM,,x\n")
    with pytest.raises(CuratedError, match=r"gpu_names.csv: names mapped to GPUs missing from gpus.csv: \[\('H100', 'H100-SXM'\)\]"):
        GpuMap.load(tmp_path)


def test_guards_hold_back_unmapped_gpus_and_rates_outside_the_sane_range(gpu_map):
    rows = frame([row("azure", "eastus", "Standard_NC320lds_xl_RTXPRO6000BSE_v6", "spot", 2.64264,
                      "Standard_NC320lds_xl_RTXPRO6000BSE_v6"),
                  row("modal", "global", "Nvidia H100", "on_demand", 0.001097, "Nvidia H100", 1.0),
                  row("aws", "us-east-1", "g4dn.xlarge", "on_demand", 0.526, "T4", 1.0),
                  row("azure", "eastus2", "Standard_NC48ads_A100_v4", "reserved_1y", 42066.0, "Standard_NC48ads_A100_v4")])
    azure_ctx, modal_ctx = _ctx("azure_retail_prices", gpu_map), _ctx("modal_pricing_page", gpu_map)
    indexed = rows.with_row_index("__row").with_columns(pl.col("__row").cast(pl.Int64))
    unmapped = guards.gpu_unmapped(indexed, azure_ctx)
    # Modal's name is not an azure_retail_prices name; "T4" is a canonical GPU whatever the source.
    assert unmapped["__row"].to_list() == [0, 1]
    assert "RTXPRO6000BSE" in unmapped["detail"][0] and "neither a canonical GPU" in unmapped["detail"][0]
    out_of_range = guards.rate_out_of_range(indexed, azure_ctx)
    assert out_of_range["__row"].to_list() == [3] and "21033.0" in out_of_range["detail"][0]
    too_cheap = guards.rate_out_of_range(indexed, modal_ctx)
    assert too_cheap["__row"].to_list() == [1] and "0.0011 USD per GPU-hour" in too_cheap["detail"][0]


def test_validation_quarantines_non_positive_rates_and_keeps_the_rest(gpu_map):
    rows = frame([row("aws", "us-east-1", "g4dn.xlarge", "on_demand", 0.526, "T4", 1.0),
                  row("aws", "us-east-1", "g5.xlarge", "on_demand", 0.0, "A10G", 1.0)])
    checked = validate(FAMILY, rows, _ctx("skypilot_catalog", gpu_map))
    assert checked.clean["instance_type"].to_list() == ["g4dn.xlarge"]
    assert checked.quarantined["rule"].to_list() == ["schema:usd_per_hour:greater_than(0)"]


def _observed(source, provider, inst, model, usd, gpu_name, count, day, stale=False):
    rec = row(provider, "r1", inst, model, usd, gpu_name, count)
    return {**rec, "source": source, "observed_at": datetime(2026, 1, day), "fetch_id": f"{source}-{day}",
            "stale": stale, "stale_reason": None}


def test_one_rate_per_offer_curated_first_then_first_party_then_newest(gpu_map):
    observed = pl.DataFrame([
        _observed("skypilot_catalog", "azure", "Standard_ND96isr_H100_v5", "on_demand", 98.32, "H100", 8.0, 20),
        _observed("azure_retail_prices", "azure", "Standard_ND96isr_H100_v5", "on_demand", 98.32,
                  "Standard_ND96isr_H100_v5", None, 10),
        _observed("curated_gpu_rates", "aws", "p5.48xlarge", "on_demand", 55.04, "H100-SXM", 8.0, 5),
        _observed("skypilot_catalog", "aws", "p5.48xlarge", "on_demand", 98.32, "H100", 8.0, 25),
        _observed("skypilot_catalog", "aws", "g4ad.xlarge", "on_demand", 0.37853, "Radeon Pro V520", 1.0, 25)])
    snap = choose_rates(observed, gpu_map)
    chosen = dict(zip(snap.rates["instance_type"], zip(snap.rates["source"], snap.rates["usd_per_hour"])))
    assert chosen == {"Standard_ND96isr_H100_v5": ("azure_retail_prices", 98.32), "p5.48xlarge": ("curated_gpu_rates", 55.04)}
    assert snap.unmapped["gpu_name"].to_list() == ["Radeon Pro V520"]  # left out of the snapshot, not guessed


def test_summary_gives_min_median_max_over_whole_gpu_offers():
    rates = pl.DataFrame({
        "provider": ["aws", "azure", "lambda", "modal", "azure"], "gpu": ["A10", "A10", "A10", "A10", "A10"],
        "pricing_model": ["on_demand"] * 5, "gpu_count": [1.0, 1.0, 1.0, 1.0, 1 / 6],
        "gpu_memory_gb": [24.0] * 5, "usd_per_gpu_hour": [1.0, 3.2, 0.75, 1.1, 2.72], "stale": [False, True, False, False, False]})
    summary = summarize(rates).row(0, named=True)
    assert (summary["min_usd_per_gpu_hour"], summary["median_usd_per_gpu_hour"], summary["max_usd_per_gpu_hour"]) == \
        (0.75, pytest.approx(1.05), 3.2)
    assert (summary["offers"], summary["providers"], summary["stale_offers"]) == (4, 4, 1)


def test_warnings_spot_above_on_demand_x5_moves_and_duplicate_counts():
    rates = pl.DataFrame({"provider": ["aws"] * 4, "region": ["ap-northeast-1"] * 2 + ["us-east-1"] * 2,
                          "instance_type": ["g5.12xlarge"] * 2 + ["g4dn.xlarge"] * 2, "zone": [None, "apne1-az4", None, "use1-az2"],
                          "pricing_model": ["on_demand", "spot"] * 2, "usd_per_hour": [8.22609, 8.2261, 0.526, 0.2],
                          "source": ["skypilot_catalog"] * 4})
    spot = checks.spot_above_on_demand(rates)
    assert spot.select("region", "spot_usd_per_hour").rows() == [("ap-northeast-1", 8.2261)]
    changes = pl.DataFrame({"instance_type": ["p5.48xlarge", "x", "y"], "ratio": [0.5598, 5.0, 0.19]})
    assert checks.big_moves(changes)["instance_type"].to_list() == ["x", "y"]
    dupes = pl.DataFrame({"source": ["skypilot_catalog", "skypilot_catalog"], "value": ["8", "1"]})
    assert checks.duplicate_counts(dupes) == {"skypilot_catalog": 9}
