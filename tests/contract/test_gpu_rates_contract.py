"""GPU-rate parsers on the real public samples in ../shared/real-sources/gpu-rates/.

Skipped, saying why, when that folder is absent. Counts and values below are the samples' own.
"""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.versions import apply_changes, diff_versions, load_versions
from pipeline.core.warehouse import apply_ddl, connect
from pipeline.gpu_rates import FAMILY as GPU_FAMILY
from pipeline.gpu_rates import azure_retail_prices as azure
from pipeline.gpu_rates import modal_pricing_page as modal
from pipeline.gpu_rates import skypilot_catalog as sky
from pipeline.gpu_rates.registry import GpuMap, resolve
from tests.conftest import real_source

pytestmark = pytest.mark.contract

AZURE_OLD = "gpu-rates/azure_retail_prices_items_2025-11-20.json"
AZURE_NEW = "gpu-rates/azure_retail_prices_items_2026-08-22.json"
OBSERVED = {AZURE_OLD: datetime(2025, 11, 20), AZURE_NEW: datetime(2026, 8, 22)}


@pytest.fixture(scope="module")
def gpu_map() -> GpuMap:
    return GpuMap.load(CURATED_DIR)


@pytest.fixture(scope="module")
def azure_parsed():
    return {name: azure.parse(real_source(name).read_bytes(), OBSERVED[name], azure.URL) for name in OBSERVED}


def _one(rows: pl.DataFrame, **where) -> dict:
    hit = rows.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()]))
    assert hit.height == 1, f"{where}: {hit.height} rows"
    return hit.row(0, named=True)


def test_azure_items_keep_only_linux_gpu_vm_meters(azure_parsed):
    old, new = azure_parsed[AZURE_OLD], azure_parsed[AZURE_NEW]
    assert (old.entries, old.rows.height, new.entries, new.rows.height) == (1000, 8, 1000, 9)
    a100 = _one(old.rows, instance_type="Standard_NC48ads_A100_v4", pricing_model="on_demand")
    assert (a100["region"], a100["usd_per_hour"]) == ("eastus2", 7.346)
    assert _one(old.rows, instance_type="Standard_NC48ads_A100_v4", pricing_model="reserved_1y")["usd_per_hour"] == \
        pytest.approx(42066 / 8760)
    excluded = " | ".join(old.rejects["reason"])
    assert "668 entries: not a GPU VM series" in excluded
    assert "Standard_NC64as_T4_v3: Windows meter" in excluded and "Standard_NC64as_T4_v3: Dev/Test pricing" in excluded
    assert "Standard_NC80adis_H100_v5: Low Priority meter" in excluded
    assert old.rejects.filter(pl.col("kind") == "rejected").height == 0


def test_azure_gpu_counts_per_gpu_rates_and_an_unmapped_new_sku(azure_parsed, gpu_map):
    new = resolve(azure_parsed[AZURE_NEW].rows, "azure_retail_prices", gpu_map)
    h200 = _one(new, instance_type="Standard_ND96isr_H200_v5", pricing_model="on_demand")
    assert (h200["region"], h200["gpu"], h200["usd_per_gpu_hour"]) == ("usgovvirginia", "H200", 13.25)
    assert _one(new, instance_type="Standard_NV4as_v4")["resolved_gpu_count"] == 0.125  # 1/8 of an MI25
    unmapped = new.filter(pl.col("gpu").is_null())["instance_type"].to_list()
    assert unmapped == ["Standard_NC320lds_xl_RTXPRO6000BSE_v6"]  # held back by the guard, not guessed


def test_azure_drift_58_meters_changed_price_2_of_them_gpu_offers(azure_parsed, tmp_path):
    old_items = json.loads(real_source(AZURE_OLD).read_bytes())
    new_items = json.loads(real_source(AZURE_NEW).read_bytes())
    both = azure.meter_prices(old_items).join(azure.meter_prices(new_items), on=list(azure.METER_KEY), nulls_equal=True)
    assert both.height == 834
    assert azure.meter_price_changes(old_items, new_items).height == 58
    # The same drift as users see it: the gpu_rate_changes view over both responses' observations.
    con = connect(tmp_path / "drift.duckdb")
    apply_ddl(con)
    key = [c for c in GPU_FAMILY.key_columns if c != "observed_at"]
    for name, parsed in sorted(azure_parsed.items(), key=lambda kv: OBSERVED[kv[0]]):  # stored as versions
        rows = parsed.rows.with_columns(pl.lit(f"file-{name}").alias("fetch_id"))
        changes = diff_versions(load_versions(con, "gpu_rate_observations", "azure_retail_prices", azure.URL),
                                rows, key, OBSERVED[name], None, dated_rows=False)
        apply_changes(con, "gpu_rate_observations", "azure_retail_prices", azure.URL, key, changes)
    changes = con.execute("SELECT pricing_model, old_usd_per_hour * 8760, new_usd_per_hour * 8760 FROM gpu_rate_changes "
                          "WHERE instance_type = 'Standard_ND96isr_H200_v5' ORDER BY pricing_model").fetchall()
    con.close()
    assert [(m, round(o), round(n)) for m, o, n in changes] == [
        ("reserved_1y", 495201, 509408), ("reserved_3y", round(1225699 / 3), round(1386990 / 3))]


@pytest.fixture(scope="module")
def skypilot():
    names = {"aws": "skypilot_catalog_v8_aws_vms_GPU_EXCERPT_g4dn_g5.csv", "gcp": "skypilot_catalog_v8_gcp_vms_GPU_EXCERPT_a2_a3.csv",
             "lambda": "skypilot_catalog_v8_lambda_vms_GPU_EXCERPT.csv", "runpod": "skypilot_catalog_v5_runpod_vms.csv"}
    out = {}
    for cloud, name in names.items():
        path = real_source(f"gpu-rates/{name}")
        out[cloud] = sky.parse(path.read_bytes(), datetime(2026, 1, 1), path.as_uri())
    return out


def test_skypilot_aws_t4_and_a10g_rates(skypilot, gpu_map):
    aws = skypilot["aws"]
    assert (aws.entries, aws.rows.height, aws.rejects.height) == (54, 42, 0)
    t4 = _one(aws.rows, instance_type="g4dn.xlarge", region="us-east-1", pricing_model="on_demand")
    assert (t4["usd_per_hour"], t4["gpu_name"], t4["gpu_memory_gb"]) == (0.526, "T4", 16.0)
    spot = _one(aws.rows, instance_type="g4dn.xlarge", region="us-east-1", pricing_model="spot")
    assert (spot["usd_per_hour"], spot["zone"]) == (0.2, "use1-az2")  # cheapest of five zones
    a10g = resolve(aws.rows, "skypilot_catalog", gpu_map)
    g5 = _one(a10g, instance_type="g5.12xlarge", region="eu-west-1", pricing_model="on_demand")
    assert (g5["usd_per_hour"], g5["gpu"], g5["resolved_gpu_count"]) == (6.33167, "A10G", 4.0)
    assert g5["usd_per_gpu_hour"] == pytest.approx(1.5829175)


def test_skypilot_gcp_vm_only_rows_are_excluded_with_the_reason(skypilot):
    gcp = skypilot["gcp"]
    assert (gcp.entries, gcp.rows.height) == (77, 0)
    assert gcp.rejects.height == 47 and set(gcp.rejects["kind"]) == {"excluded"}
    a3 = gcp.rejects.filter(pl.col("record_key") == "a3-highgpu-1g@us-central1")["reason"][0]
    assert "covers the VM only; its 1xH100 GPUs are billed apart" in a3


def test_skypilot_lambda_8x_v100_offer(skypilot, gpu_map):
    lam = resolve(skypilot["lambda"].rows, "skypilot_catalog", gpu_map)
    assert lam.height == 34 and set(lam["pricing_model"]) == {"on_demand"}  # SpotPrice always empty
    v100 = _one(lam, instance_type="gpu_8x_v100", region="us-east-1")
    assert (v100["usd_per_hour"], v100["gpu_count"], v100["gpu_memory_gb"], v100["gpu"]) == (6.32, 8.0, 16.0, "V100")
    assert v100["usd_per_gpu_hour"] == 0.79
    assert _one(lam, instance_type="gpu_4x_a6000", region="us-east-1")["gpu"] == "RTX-A6000"


def test_skypilot_runpod_duplicates_removed_and_every_gpu_mapped(skypilot, gpu_map):
    runpod = skypilot["runpod"]
    assert (runpod.entries, runpod.rows.height) == (148, 280)
    assert runpod.rejects["reason"].to_list() == ["8 exact duplicate row(s) removed"]
    mapped = resolve(runpod.rows, "skypilot_catalog", gpu_map)
    assert mapped.filter(pl.col("gpu").is_null()).height == 0
    h100 = _one(mapped, instance_type="1x_H100-80GB-HBM3_COMMUNITY", pricing_model="on_demand")
    assert (h100["gpu"], h100["usd_per_hour"]) == ("H100-SXM", 4.49)


def test_modal_page_h100_per_hour(gpu_map):
    parsed = modal.parse(real_source("gpu-rates/modal_com_pricing_page_2025-06-12.html").read_bytes(),
                         datetime(2025, 6, 12))
    assert (parsed.entries, parsed.rows.height, parsed.rejects.height) == (9, 9, 0)
    mapped = resolve(parsed.rows, "modal_pricing_page", gpu_map)
    h100 = _one(mapped, instance_type="Nvidia H100")
    assert (h100["usd_per_hour"], h100["gpu"], h100["detail"]) == (3.9492, "H100-SXM", "$0.001097 / sec")
    assert _one(mapped, instance_type="Nvidia A100, 80 GB")["usd_per_hour"] == 2.4984
    assert mapped.filter(pl.col("gpu").is_null()).height == 0
