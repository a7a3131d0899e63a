"""tokenize returns the ids the model sees, the same as `gembed tokenize`."""

import json
import os
import subprocess

import pytest

TEXTS = ["Hello, my dog is cute", "東京は日本の首都です。", "def f(x):\n    return x"]


def test_tokenize_shape(model):
    out = model.tokenize(TEXTS)
    assert set(out) == {"input_ids", "attention_mask"}
    assert len(out["input_ids"]) == 3
    for ids, mask in zip(out["input_ids"], out["attention_mask"]):
        assert ids[0] == 2 and ids[-1] == 1  # <bos> … <eos>
        assert mask == [1] * len(ids)
    # The ids cli_test asserts for the same text.
    assert out["input_ids"][0] == [2, 9259, 236764, 1041, 4799, 563, 12864, 1]
    assert model.tokenize("Hello, my dog is cute")["input_ids"] == [out["input_ids"][0]]


def test_tokenize_with_a_prompt_is_what_encode_embeds(model):
    ids = model.tokenize(["Hello"], prompt_name="query")["input_ids"][0]
    assert ids == model.tokenize(["task: search result | query: Hello"])["input_ids"][0]
    assert model.tokenize(["  Hello  "])["input_ids"] == model.tokenize(["Hello"])["input_ids"]  # stripped
    long_ids = model.tokenize(["word " * 5000])["input_ids"][0]
    assert len(long_ids) == model.max_seq_length and long_ids[-1] == 1


def test_tokenize_matches_the_cli(model, tiny_text_dir):
    cli = os.environ.get("GEMBED_CLI")
    if not cli:
        pytest.skip("GEMBED_CLI (the gembed binary) not set; scripts/python_test.sh and ctest set it")
    assert os.path.isfile(cli), f"GEMBED_CLI={cli} does not exist"
    lines = "".join(json.dumps({"text": t}) + "\n" for t in TEXTS)
    run = subprocess.run([cli, "tokenize", "--model", tiny_text_dir, "--input", "-"], input=lines.encode(), capture_output=True, check=True)
    cli_ids = [json.loads(line)["ids"] for line in run.stdout.decode().splitlines()]
    assert cli_ids == model.tokenize(TEXTS)["input_ids"]
