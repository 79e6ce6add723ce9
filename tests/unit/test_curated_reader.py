"""The one curated-CSV reader: every curated file through polars and its pandera model, refused
whole with the file, the line and the rule when a row breaks one."""

from __future__ import annotations

import datetime as dt
from fnmatch import fnmatch

import polars as pl
import pytest

from pipeline.core.curated import CuratedError, parse_curated, read_curated
from pipeline.core.paths import CURATED_DIR
from pipeline.core.sources import SourceFormatError
from schemas.curated import FILES, CuratedGpu, CuratedModel, CuratedModelCard

GPUS = "gpu,display_name,vendor,memory_gb,citation\n"
MODELS = ("canonical_model,display_name,developer,family,release_date,params_b,weights_open,data_open,code_open,"
          "license_id,required,citation\n")


def model_for(name: str):
    (model,) = [m for pattern, m in FILES.items() if fnmatch(name, pattern)]
    return model


@pytest.mark.parametrize("path", sorted(CURATED_DIR.glob("*.csv")), ids=lambda p: p.name)
def test_every_shipped_curated_file_reads_with_its_model(path):
    frame = read_curated(path, model_for(path.name))
    assert frame.height > 0 and frame["citation"].str.len_chars().min() > 0
    assert list(frame.columns) == list(model_for(path.name).to_schema().columns)


def test_columns_are_typed_as_the_model_says():
    body = (MODELS + "# a comment\n"
            "openai/gpt-4o, GPT-4o ,OpenAI,gpt-4o,2024-05-13,,no,NO,0,proprietary,TRUE,https://openai.com\n"
            "\n"
            "allenai/olmo,OLMo,Ai2,olmo,,7.3,yes,true,1,Apache-2.0,false,\"https://allenai.org, the card\"\n")
    frame = parse_curated(body.encode(), "models.csv", CuratedModel)
    first, second = frame.to_dicts()
    assert (first["display_name"], first["release_date"], first["params_b"]) == ("GPT-4o", dt.date(2024, 5, 13), None)
    assert (first["weights_open"], first["data_open"], first["code_open"], first["required"]) == (False,) * 3 + (True,)
    assert (second["params_b"], second["data_open"], second["citation"]) == (7.3, True, "https://allenai.org, the card")
    assert frame.schema["release_date"] == pl.Date and frame.schema["params_b"] == pl.Float64


def test_line_numbers_count_comments_blank_lines_and_fields_over_several_lines():
    body = ("# GPUs\n" + GPUS + "T4,NVIDIA T4,NVIDIA,16,\"https://nvidia.com\nspec sheet\"\n"
            "# a note\n\n"
            "L4,NVIDIA L4,NVIDIA,24,\n")
    with pytest.raises(CuratedError, match=r"^gpus\.csv:7: column 'citation' is required$"):
        parse_curated(body.encode(), "gpus.csv", CuratedGpu)
    lines = parse_curated(body.replace("24,\n", "24,c\n").encode(), "gpus.csv", CuratedGpu, line_column="line")
    assert lines["line"].to_list() == [3, 7]


@pytest.mark.parametrize("row, rule", [
    ("H100,NVIDIA H100,NVIDIA,eighty,c", "gpus.csv:2: column 'memory_gb' must be a number, not 'eighty'"),
    ("H100,NVIDIA H100,NVIDIA,nan,c", "gpus.csv:2: column 'memory_gb' must be a number, not 'nan'"),
    ("H100,NVIDIA H100,NVIDIA,0,c", "gpus.csv:2: memory_gb must be positive, not 0.0"),
    ("H100,NVIDIA H100,,80,c", "gpus.csv:2: column 'vendor' is required"),
    ("H100,NVIDIA H100,NVIDIA,80,   ", "gpus.csv:2: column 'citation' is required"),
])
def test_a_row_that_breaks_a_rule_refuses_the_file(row, rule):
    with pytest.raises(CuratedError) as err:
        parse_curated(f"{GPUS}{row}\nT4,NVIDIA T4,NVIDIA,16,c\n".encode(), "gpus.csv", CuratedGpu)
    assert str(err.value) == rule
    assert isinstance(err.value, SourceFormatError)  # a curated source's ingest records it as a parse failure


def test_dates_must_be_iso_days():
    body = "repo_id,canonical_model,observed_on,citation\na/b,x/y,2024-5-1,c\na/c,x/z,2024-02-30,c\n"
    with pytest.raises(CuratedError) as err:
        parse_curated(body.encode(), "hf_model_cards.csv", CuratedModelCard)
    assert str(err.value).split("; ") == [
        "hf_model_cards.csv:2: column 'observed_on' must be a date (YYYY-MM-DD), not '2024-5-1'",
        "hf_model_cards.csv:3: column 'observed_on' must be a date (YYYY-MM-DD), not '2024-02-30'"]


@pytest.mark.parametrize("header, words", [
    ("gpu,display_name,vendor,memory_gb,citation,notes", "unknown columns ['notes'], missing columns []"),
    ("gpu,vendor,memory_gb,citation", "unknown columns [], missing columns ['display_name']"),
    ("gpu,display_name,vendor,memory_gb,citation,gpu", "unknown columns ['gpu_duplicated_0']"),
])
def test_unknown_or_missing_columns_are_refused(header, words):
    with pytest.raises(CuratedError, match=r"^gpus\.csv: header must be gpu,display_name,vendor,memory_gb,citation; ") \
            as err:
        parse_curated(f"{header}\nT4,NVIDIA T4,NVIDIA,16,c,x\n".encode(), "gpus.csv", CuratedGpu)
    assert words in str(err.value)


def test_columns_in_another_order_read_by_name():
    frame = parse_curated(b"citation,memory_gb,vendor,display_name,gpu\nc,16,NVIDIA,,T4\n", "gpus.csv", CuratedGpu)
    assert frame.rows() == [("T4", None, "NVIDIA", 16.0, "c")]


def test_empty_comment_only_and_non_utf8_files_are_refused(tmp_path):
    for body, words in ((b"", "no header line"), (b"# nothing but a comment\n", "no header line"),
                        (GPUS.encode() + b"T4,NVIDIA \xff,NVIDIA,16,c\n", "not UTF-8")):
        with pytest.raises(CuratedError, match=words):
            parse_curated(body, "gpus.csv", CuratedGpu)
    assert read_curated(tmp_path / "gpus.csv", CuratedGpu).schema == pl.Schema(
        {"gpu": pl.String, "display_name": pl.String, "vendor": pl.String, "memory_gb": pl.Float64,
         "citation": pl.String})
    with pytest.raises(CuratedError, match="gpus.csv: curated file is missing"):
        read_curated(tmp_path / "gpus.csv", CuratedGpu, optional_file=False)


def test_a_byte_order_mark_and_windows_line_ends_change_nothing():
    body = GPUS + "# c\nT4,NVIDIA T4,NVIDIA,16,c\nL4,,NVIDIA,24,\n"
    for variant in (body.replace("\n", "\r\n").encode(), b"\xef\xbb\xbf" + body.encode()):
        with pytest.raises(CuratedError, match=r"^gpus\.csv:4: column 'citation' is required$"):
            parse_curated(variant, "gpus.csv", CuratedGpu)
