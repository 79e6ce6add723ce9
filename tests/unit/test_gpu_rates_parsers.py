"""GPU-rate parsers on small fixtures in each source's format, one quirk per test."""

from __future__ import annotations

import json

import polars as pl
import pytest

from pipeline.core.sources import SourceFormatError
from pipeline.gpu_rates import azure_retail_prices as azure
from pipeline.gpu_rates import curated_gpu_rates as curated
from pipeline.gpu_rates import modal_pricing_page as modal
from pipeline.gpu_rates import skypilot_catalog as sky
from schemas.gpu_rates import GpuRateObservation
from tests.conftest import AS_OF, FIXTURES

GPU = FIXTURES / "gpu_rates"
SKY_AWS = f"{sky.BASE}/aws/vms.csv"


def _one(rows: pl.DataFrame, **where) -> dict:
    hit = rows.filter(pl.all_horizontal([pl.col(k) == v for k, v in where.items()]))
    assert hit.height == 1, f"{where}: {hit.height} rows"
    return hit.row(0, named=True)


def _reasons(parsed, kind: str) -> list[str]:
    return parsed.rejects.filter(pl.col("kind") == kind)["reason"].to_list()


@pytest.fixture(scope="module")
def azure_page():
    return azure.parse((GPU / "azure_page.json").read_bytes(), AS_OF, azure.URL)


def test_azure_on_demand_and_spot_rates(azure_page):
    h100 = _one(azure_page.rows, instance_type="Standard_ND96isr_H100_v5")
    assert (h100["region"], h100["pricing_model"], h100["usd_per_hour"]) == ("eastus", "on_demand", 98.32)
    assert h100["gpu_name"] == "Standard_ND96isr_H100_v5" and h100["gpu_count"] is None  # count: curated name map
    spot = _one(azure_page.rows, instance_type="Standard_ND96ams_A100_v4")
    assert (spot["pricing_model"], spot["usd_per_hour"]) == ("spot", 15.83894)
    assert spot["meter_id"] == "0017cbad-42a5-5939-b6a7-cf2272d6e525"


def test_azure_reservation_term_totals_become_hourly_rates(azure_page):
    one = _one(azure_page.rows, pricing_model="reserved_1y")
    three = _one(azure_page.rows, pricing_model="reserved_3y")
    assert one["usd_per_hour"] == pytest.approx(42066 / 8760)     # 4.8021 per hour, vs 7.346 on demand
    assert three["usd_per_hour"] == pytest.approx(71642 / 26280)  # 2.7261 per hour
    assert "1 Year total 42066" in one["detail"]


def test_azure_windows_devtest_and_low_priority_meters_are_excluded_with_the_reason(azure_page):
    excluded = " | ".join(_reasons(azure_page, "excluded"))
    assert "Standard_NC64as_T4_v3: Windows meter" in excluded
    assert "Standard_NC64as_T4_v3: Dev/Test pricing" in excluded
    assert "Standard_NC80adis_H100_v5: Low Priority meter" in excluded
    assert "1 entries: not a GPU VM series" in excluded
    assert "1 entries: not a virtual machine meter (Virtual Machines Licenses)" in excluded


def test_azure_empty_region_unknown_term_and_non_numeric_price_are_rejected(azure_page):
    rejected = _reasons(azure_page, "rejected")
    assert any("Standard_NC40ads_H100_v5: empty armRegionName" in r for r in rejected)
    assert any("reservation term '5 Years' not understood" in r for r in rejected)
    assert any("Standard_NC24ads_A100_v4: retailPrice not a number: 'call us'" in r for r in rejected)
    assert len(rejected) == 3
    assert azure_page.rows.height == 4 and azure_page.entries == 12


def test_azure_accepts_a_bare_array_of_items_and_finds_no_next_page_in_it():
    items = json.loads((GPU / "azure_page.json").read_bytes())["Items"][:2]
    body = json.dumps(items).encode()
    assert azure.parse(body, AS_OF, azure.URL).rows["usd_per_hour"].to_list() == [98.32, 15.83894]
    assert azure.next_page(body, azure.URL) is None


def test_azure_next_page_follows_next_page_link_and_refuses_other_hosts():
    body = (GPU / "azure_page.json").read_bytes()
    assert azure.next_page(body, azure.URL).endswith("&$skip=12")
    assert azure.next_page(json.dumps({"Items": [], "NextPageLink": None}).encode(), azure.URL) is None
    with pytest.raises(SourceFormatError, match="not a prices.azure.com URL"):
        azure.next_page(json.dumps({"Items": [], "NextPageLink": "https://evil.example/x"}).encode(), azure.URL)
    with pytest.raises(SourceFormatError, match="'Items' array"):
        azure.parse(b'{"value": []}', AS_OF, azure.URL)


@pytest.fixture(scope="module")
def aws():
    return sky.parse((GPU / "skypilot_aws_vms.csv").read_bytes(), AS_OF, SKY_AWS)


def test_skypilot_on_demand_per_region_and_the_cheapest_zone_for_spot(aws):
    od = _one(aws.rows, instance_type="g4dn.xlarge", region="us-east-1", pricing_model="on_demand")
    assert (od["provider"], od["usd_per_hour"], od["gpu_name"], od["gpu_count"], od["gpu_memory_gb"], od["zone"]) == \
        ("aws", 0.526, "T4", 1.0, 16.0, None)
    spot = _one(aws.rows, instance_type="g4dn.xlarge", region="us-east-1", pricing_model="spot")
    assert (spot["usd_per_hour"], spot["zone"]) == (0.2, "use1-az2")
    a10g = _one(aws.rows, instance_type="g5.xlarge")  # no SpotPrice: no spot row
    assert (a10g["usd_per_hour"], a10g["gpu_memory_gb"]) == (1.006, pytest.approx(22888 / 1024))
    assert _one(aws.rows, instance_type="g5.12xlarge")["gpu_count"] == 4.0


def test_skypilot_zones_that_disagree_and_bad_spot_prices_are_rejected(aws):
    rejected = _reasons(aws, "rejected")
    assert any(r.startswith("zones disagree") for r in rejected)
    assert not aws.rows.filter(pl.col("region") == "eu-north-1").height
    assert any("SpotPrice not a number: 'not-a-price'" in r for r in rejected)
    assert _one(aws.rows, instance_type="p5.48xlarge")["usd_per_hour"] == 55.04  # on-demand kept


def test_skypilot_duplicates_cpu_instances_and_non_gpu_accelerators(aws):
    excluded = _reasons(aws, "excluded")
    assert "1 exact duplicate row(s) removed" in excluded
    assert "1 entries: no accelerator (CPU-only instance)" in excluded
    assert any("not a GPU (TPU, Inferentia" in r for r in excluded)
    assert aws.entries == 11


def test_skypilot_gpu_info_is_read_as_a_literal_and_a_broken_one_only_loses_the_memory(aws):
    l4 = _one(aws.rows, instance_type="g6.xlarge")
    assert (l4["usd_per_hour"], l4["gpu_memory_gb"], l4["detail"]) == (0.8048, None, "GpuInfo unreadable")
    assert sky.gpu_memory_gb("__import__('os').system('true')", 1) == (None, None)  # not a literal dict: ignored
    assert sky.gpu_memory_gb("{'x': __import__('os')}", 1) == (None, "GpuInfo unreadable")


def test_skypilot_lambda_columns_by_name_float_count_and_per_gpu_memory():
    body = (b"InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
            b"gpu_8x_v100,V100,8.0,92.0,448.0,4.40,us-east-1,\"{'Gpus': [{'Name': 'V100', 'Manufacturer': 'NVIDIA', "
            b"'Count': 8.0, 'MemoryInfo': {'SizeInMiB': 16384}}], 'TotalGpuMemoryInMiB': 16384}\",\n")
    parsed = sky.parse(body, AS_OF, f"{sky.BASE}/lambda/vms.csv")
    v100 = parsed.rows.row(0, named=True)
    assert (v100["provider"], v100["gpu_count"], v100["gpu_memory_gb"], v100["usd_per_hour"]) == ("lambda", 8.0, 16.0, 4.40)
    assert parsed.rows.height == 1  # empty SpotPrice: no spot offer


def test_skypilot_gcp_vm_rows_are_combined_with_their_accelerator_rows():
    parsed = sky.parse((GPU / "skypilot_gcp_vms.csv").read_bytes(), AS_OF, f"{sky.BASE}/gcp/vms.csv")
    a2 = _one(parsed.rows, instance_type="a2-highgpu-1g")  # no spot row: the GPU rows have no spot price
    assert (a2["pricing_model"], a2["usd_per_hour"], a2["gpu_name"], a2["gpu_count"]) == \
        ("on_demand", pytest.approx(3.673388), "A100", 1.0)
    assert "VM + 1xA100 accelerator row" in a2["detail"]
    excluded = " | ".join(_reasons(parsed, "excluded"))
    assert "a3-highgpu-1g: the price covers the VM only; its 1xH100 GPUs are billed apart" in excluded
    assert "1 entries: GPU price without a VM" in excluded and "not a GPU (TPU" in excluded
    assert "1 entries: no accelerator (CPU-only instance)" in excluded
    assert parsed.rows.height == 1 and parsed.entries == 8


def test_skypilot_cloud_comes_from_the_url_or_the_file_name():
    assert sky.cloud_of(f"{sky.BASE}/runpod/vms.csv") == "runpod"
    assert sky.cloud_of("file:///tmp/skypilot_catalog_v8_aws_vms_GPU_EXCERPT.csv") == "aws"
    with pytest.raises(SourceFormatError, match="which cloud"):
        sky.cloud_of("file:///tmp/vms.csv")
    with pytest.raises(SourceFormatError, match=r"columns \['Price'\] missing"):
        sky.parse(b"InstanceType,AcceleratorName,AcceleratorCount,Region\n", AS_OF, SKY_AWS)



SKY_HEADER = b"InstanceType,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region,AvailabilityZone,GpuInfo\n"


def test_skypilot_blank_lines_are_not_entries_and_a_short_row_reads_its_missing_fields_empty():
    body = SKY_HEADER + (b"g5.xlarge,A10G,1.0,1.006,,us-east-1,use1-az1,\n\n"
                         b",,,,,,,\n"
                         b"g4dn.xlarge,T4,1.0\n")  # cut after the count: no price
    parsed = sky.parse(body, AS_OF, SKY_AWS)
    assert parsed.entries == 2 and parsed.rows["instance_type"].to_list() == ["g5.xlarge"]
    assert _reasons(parsed, "rejected") == ["line(s) [3]: Price or AcceleratorCount empty"]


def test_skypilot_catalog_cut_inside_a_quoted_gpu_info_is_refused_as_a_whole():
    body = SKY_HEADER + b"g5.xlarge,A10G,1.0,1.006,,us-east-1,use1-az1,\"{'Gpus': [{'Name': 'A10G', "
    with pytest.raises(SourceFormatError, match="not a readable CSV"):
        sky.parse(body, AS_OF, SKY_AWS)
    with pytest.raises(SourceFormatError, match="not UTF-8"):
        sky.parse(SKY_HEADER + b"g5.xlarge,A10\xff,1.0,1.006,,us-east-1,use1-az1,\n", AS_OF, SKY_AWS)


def test_skypilot_prices_read_as_exact_money_in_any_form_decimal_accepts():
    body = SKY_HEADER + (b"p4d.24xlarge,A100,8.0,\"$32,772.80\",1_000,us-east-1,use1-az1,\n"
                         b"p5.48xlarge,H100,8.0,inf,,us-east-1,use1-az1,\n")
    parsed = sky.parse(body, AS_OF, SKY_AWS)
    assert _one(parsed.rows, pricing_model="on_demand")["usd_per_hour"] == 32772.8
    assert _one(parsed.rows, pricing_model="spot")["usd_per_hour"] == 1000.0
    assert _reasons(parsed, "rejected") == ["line(s) [3]: Price or AcceleratorCount not a finite number: 'inf'"]


MODAL_PAGE = b"""<html><body><p class="font-medium">GPU Tasks</p> <div class="space-y-2">
<div class="line-item"><p>Nvidia H100</p> <p class="price">$0.001097 <span>/ sec</span></p></div>
<div class="line-item"><p>Nvidia T4</p> <p class="price">$0.000164 <span>/ sec</span></p></div>
<div class="line-item"><p>Nvidia L4</p> <p class="price">Contact us</p></div></div>
<p class="font-medium">CPU</p> <div class="space-y-2"><div class="line-item"><p>Physical core</p>
<p class="price">$0.0000131 <span>/ core / sec</span></p></div></div></body></html>"""


def test_modal_per_second_prices_become_hourly_exactly():
    parsed = modal.parse(MODAL_PAGE, AS_OF)
    h100 = _one(parsed.rows, instance_type="Nvidia H100")
    assert (h100["usd_per_hour"], h100["gpu_count"], h100["region"]) == (3.9492, 1.0, "global")
    assert _one(parsed.rows, instance_type="Nvidia T4")["usd_per_hour"] == 0.5904
    assert _reasons(parsed, "rejected") == ["price 'Contact us' is not '$X / sec' or '$X / hour'"]
    assert parsed.entries == 3  # the CPU block is not read


def test_modal_page_without_the_gpu_block_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="no 'GPU Tasks' block"):
        modal.parse(b"<html><body><h1>Pricing</h1></body></html>", AS_OF)


CURATED = b"""# a comment line
provider,region,instance_type,gpu,gpu_count,pricing_model,usd_per_hour,observed_on,citation
aws,us-east-1,p5.48xlarge,H100-SXM,8,on_demand,98.32,2025-05-15,https://aws.amazon.com/ec2/instance-types/p5/
aws,us-east-1,p5.48xlarge,H100-SXM,8,on_demand,55.04,2025-06-15,https://aws.amazon.com/blogs/aws/announcing-up-to-45-price-reduction-for-amazon-ec2-nvidia-gpu-accelerated-instances/
"""


def test_curated_rows_date_themselves():
    parsed = curated.parse(CURATED, AS_OF, "file:///curated/gpu_rates.csv")
    assert parsed.rows["usd_per_hour"].to_list() == [98.32, 55.04]
    assert parsed.rows["observed_at"].dt.month().to_list() == [5, 6]
    assert parsed.rows["citation"][0] == "https://aws.amazon.com/ec2/instance-types/p5/" and parsed.entries == 2


def test_a_curated_file_with_a_bad_row_is_refused_naming_file_line_and_rule():
    bad = CURATED + (b"coreweave,global,HGX H200 (8 GPUs),H200,8,hourly,50.44,2025-07-01,https://www.coreweave.com/pricing\n"
                     b"coreweave,global,GH200,GH200,1,on_demand,6.50,2025-07-01,\n")
    with pytest.raises(SourceFormatError) as err:
        curated.parse(bad, AS_OF, "file:///curated/gpu_rates.csv")
    assert str(err.value) == ("/curated/gpu_rates.csv:5: pricing_model must be one of ('on_demand', 'spot', "
                              "'reserved_1y', 'reserved_3y'), not 'hourly'; "
                              "/curated/gpu_rates.csv:6: column 'citation' is required")
    with pytest.raises(SourceFormatError, match="header must be"):
        curated.parse(b"provider,region\nx,y\n", AS_OF, "gpu_rates.csv")


def test_every_parser_returns_rows_of_the_family_schema(azure_page, aws):
    for rows in (azure_page.rows, aws.rows, modal.parse(MODAL_PAGE, AS_OF).rows,
                 curated.parse(CURATED, AS_OF, "gpu_rates.csv").rows):
        GpuRateObservation.validate(rows)
