"""gembed.Model: a loaded EmbeddingGemma model with sentence-transformers' encode API."""

import json
import numbers
import os

import numpy as np

from . import _gembed
from .quantization import PRECISIONS, quantize_embeddings
from .similarity import SIMILARITY_FUNCTIONS

# The prompt names encode_query / encode_document pick, first present wins (the names
# sentence-transformers looks for).
_QUERY_PROMPT_NAMES = ("query",)
_DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")


def _resolve(path_or_repo):
    """Turns the ``Model(...)`` argument into the path the C++ loader opens.

    The one place where model references are resolved, as the CLI's ``--model`` does
    (src/hub/model_reference.h): an existing file or folder is used as it is; an
    ``org/name`` or ``org/name@revision`` Hugging Face id becomes its snapshot in the local
    HF cache ($HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub; whatever downloaded it:
    ``gembed pull``, huggingface_hub, sentence-transformers), never touching the network; an id
    that is not cached raises gembed.Error saying to run ``gembed pull``; anything else is
    passed on, and the loader's error names the file it could not find.
    """
    if not isinstance(path_or_repo, (str, os.PathLike)):
        raise TypeError(f"model_name_or_path must be a str or a path, not {type(path_or_repo).__name__}")
    return _gembed.resolve_model_reference(os.path.expanduser(os.fspath(path_or_repo)))


def _similarity_fn_name_of(path):
    """The folder's similarity_fn_name (config_sentence_transformers.json), else "cosine"."""
    config = os.path.join(path, "config_sentence_transformers.json")
    try:
        with open(config, encoding="utf-8") as f:
            name = json.load(f).get("similarity_fn_name")
    except (OSError, ValueError, AttributeError):
        return "cosine"  # a GGUF file, or no such file: EmbeddingGemma is trained for cosine
    return name if name in SIMILARITY_FUNCTIONS else "cosine"


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be ≥ {minimum}, got {value}")
    return int(value)


def _check_device(device):
    if device is not None and str(device) != "cpu":
        raise ValueError(f"gembed runs on the CPU only; device={device!r} is not available")


class Model:
    """An EmbeddingGemma model (a sentence-transformers folder or a GGUF file), loaded once.

    ``threads``: compute threads (0 = every core). ``weights``: the weight type the encoder
    computes with ("auto" keeps what is stored; "f32", "bf16", "q8_0", "q4_0", "mixed").
    ``activations``: what the weights multiply activations in ("auto", "f32", "high", "low"; the
    CLI's ``--activations``).
    ``prompts`` adds to or replaces the model's named prompts; ``default_prompt_name`` is the
    prompt ``encode`` uses when it is given none; ``truncate_dim`` is the default Matryoshka
    dimension of every ``encode``. ``device`` exists for sentence-transformers code: only
    None or "cpu".
    """

    def __init__(
        self,
        model_name_or_path,
        *,
        threads=0,
        weights="auto",
        activations="auto",
        device=None,
        prompts=None,
        default_prompt_name=None,
        similarity_fn_name=None,
        truncate_dim=None,
    ):
        _check_device(device)
        threads = _check_int(threads, "threads", 0)
        for name, value in (("weights", weights), ("activations", activations)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        path = _resolve(model_name_or_path)
        self._model = _gembed.Embedder(path, threads, weights, activations)
        self.prompts = dict(self._model.prompts)
        if prompts is not None:
            if not isinstance(prompts, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in prompts.items()):
                raise TypeError("prompts must be a dict of str to str")
            self.prompts.update(prompts)
        self.default_prompt_name = default_prompt_name if default_prompt_name is not None else self._model.default_prompt_name
        self.similarity_fn_name = similarity_fn_name if similarity_fn_name is not None else _similarity_fn_name_of(path)
        self.truncate_dim = truncate_dim

    # --- properties -----------------------------------------------------------------

    @property
    def default_prompt_name(self):
        """The prompt name ``encode`` uses when given no prompt (None: no prompt)."""
        return self._default_prompt_name

    @default_prompt_name.setter
    def default_prompt_name(self, name):
        if name is not None and name not in self.prompts:
            raise ValueError(f"default_prompt_name {name!r} is not one of the model's prompts: {', '.join(self.prompts)}")
        self._default_prompt_name = name

    @property
    def truncate_dim(self):
        """Default Matryoshka dimension of ``encode`` (None: the model's full dimension)."""
        return self._truncate_dim

    @truncate_dim.setter
    def truncate_dim(self, dim):
        self._truncate_dim = self._check_dim(dim)

    @property
    def similarity_fn_name(self):
        """"cosine" (EmbeddingGemma's), "dot", "euclidean" or "manhattan"."""
        return self._similarity_fn_name

    @similarity_fn_name.setter
    def similarity_fn_name(self, name):
        if name not in SIMILARITY_FUNCTIONS:
            raise ValueError(f"similarity_fn_name {name!r} is not one of {', '.join(SIMILARITY_FUNCTIONS)}")
        self._similarity_fn_name = name

    @property
    def max_seq_length(self):
        """Tokens per input, <bos>/<eos> included; longer inputs are truncated (read-only)."""
        return self._model.max_seq_length

    @property
    def device(self):
        return "cpu"

    @property
    def threads(self):
        """Compute threads the model uses."""
        return self._model.num_threads

    @property
    def path(self):
        """The model folder or GGUF file that was loaded."""
        return self._model.path

    def get_sentence_embedding_dimension(self):
        """Length of ``encode``'s embeddings: ``truncate_dim`` when set, else the model's."""
        return self._truncate_dim if self._truncate_dim is not None else self._model.output_dim

    def get_max_seq_length(self):
        return self._model.max_seq_length

    def __repr__(self):
        return (
            f"gembed.Model({self.path!r}, threads={self.threads}, dim={self.get_sentence_embedding_dimension()}, "
            f"max_seq_length={self.max_seq_length}, weights_dtype={self._model.weights_dtype!r})"
        )

    # --- encoding -------------------------------------------------------------------

    def encode(
        self,
        sentences,
        prompt_name=None,
        prompt=None,
        batch_size=32,
        show_progress_bar=None,
        output_value="sentence_embedding",
        precision="float32",
        convert_to_numpy=True,
        convert_to_tensor=False,
        device=None,
        normalize_embeddings=False,
        truncate_dim=None,
        *,
        ranges=None,
        calibration_embeddings=None,
        strict=False,
        skip_normalize=False,
    ):
        """Embeds a str (→ 1-D array) or a list of str (→ 2-D array, one row per text).

        The prompt is ``prompt`` (a raw string) if given, else the model's prompt named
        ``prompt_name``, else the default prompt, else none; the model sees
        ``(prompt + text).strip()``, truncated to ``max_seq_length`` tokens (``strict=True``
        makes an over-long text an error instead). ``truncate_dim`` (or the model's
        ``truncate_dim``) keeps the first dimensions and re-normalises them (Matryoshka).
        The model's own modules always run, its final Normalize included (as in
        sentence-transformers); ``normalize_embeddings=True`` normalises as well, which matters
        only for a model without one. ``skip_normalize=True`` (gembed's own) returns the vectors
        before the model's final Normalize module (EmbeddingGemma: mean pooling → Dense → Dense;
        TEI's ``normalize: false``), truncated without re-normalising.
        ``precision`` quantises the result (see :func:`gembed.quantize_embeddings`; ``ranges``
        / ``calibration_embeddings`` are its int8/uint8 calibration). The GIL is released
        while the model runs, so other Python threads (or other ``encode`` calls) proceed.

        ``show_progress_bar`` is accepted and ignored; ``device`` may only be None or "cpu";
        ``output_value`` may only be "sentence_embedding"; ``convert_to_tensor`` is refused
        (gembed returns numpy arrays; ``torch.from_numpy`` makes a tensor without a copy).
        With ``convert_to_numpy=False`` a list of 1-D arrays is returned.
        """
        return self._encode(
            sentences,
            None,
            self._prompt(prompt_name, prompt),
            batch_size=batch_size,
            output_value=output_value,
            precision=precision,
            convert_to_numpy=convert_to_numpy,
            convert_to_tensor=convert_to_tensor,
            device=device,
            normalize_embeddings=normalize_embeddings,
            truncate_dim=truncate_dim,
            ranges=ranges,
            calibration_embeddings=calibration_embeddings,
            strict=strict,
            skip_normalize=skip_normalize,
        )

    def encode_query(self, sentences, prompt_name=None, prompt=None, **kwargs):
        """``encode`` with the model's query prompt ("task: search result | query: ")."""
        if prompt_name is None and prompt is None:
            prompt_name = next((n for n in _QUERY_PROMPT_NAMES if n in self.prompts), None)
        return self.encode(sentences, prompt_name=prompt_name, prompt=prompt, **kwargs)

    def encode_document(self, sentences, titles=None, prompt_name=None, prompt=None, **kwargs):
        """``encode`` with the model's document prompt ("title: none | text: ").

        ``titles``: one title (or None) per text, for EmbeddingGemma's document form
        "title: {title} | text: {text}" (None or "" writes "none"); a str when ``sentences``
        is a str. Titles replace the prompt, so they cannot be combined with one.
        """
        if titles is None:
            if prompt_name is None and prompt is None:
                prompt_name = next((n for n in _DOCUMENT_PROMPT_NAMES if n in self.prompts), None)
            return self.encode(sentences, prompt_name=prompt_name, prompt=prompt, **kwargs)
        if prompt_name is not None or prompt is not None:
            raise ValueError("give titles or a prompt, not both: a title sets the document prompt")
        if isinstance(sentences, str) and isinstance(titles, str):
            titles = [titles]
        return self._encode(sentences, titles, None, **kwargs)

    def _encode(
        self,
        sentences,
        titles,
        prompt,
        batch_size=32,
        show_progress_bar=None,
        output_value="sentence_embedding",
        precision="float32",
        convert_to_numpy=True,
        convert_to_tensor=False,
        device=None,
        normalize_embeddings=False,
        truncate_dim=None,
        ranges=None,
        calibration_embeddings=None,
        strict=False,
        skip_normalize=False,
    ):
        _check_device(device)
        if output_value != "sentence_embedding":
            raise ValueError(f"output_value={output_value!r} is not supported: gembed returns sentence embeddings only")
        if convert_to_tensor:
            raise ValueError("convert_to_tensor=True is not supported: gembed returns numpy arrays (torch.from_numpy converts them)")
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r} (expected {', '.join(PRECISIONS)})")
        batch_size = _check_int(batch_size, "batch_size", 1)
        dim = self._check_dim(truncate_dim)
        if dim is None:
            dim = self._truncate_dim
        single = isinstance(sentences, str)
        texts = [sentences] if single else sentences
        # The engine applies the model's own Normalize module (or, with skip_normalize, stops
        # before it); normalize_embeddings normalises whatever comes out.
        embeddings = self._model.embed(texts, titles, prompt, dim or 0, batch_size, bool(strict), not skip_normalize)
        if normalize_embeddings and (skip_normalize or not self._model.normalize):
            embeddings /= np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
        if precision != "float32":
            embeddings = quantize_embeddings(embeddings, precision, ranges=ranges, calibration_embeddings=calibration_embeddings)
        if single:
            return embeddings[0]
        return embeddings if convert_to_numpy else list(embeddings)

    def _prompt(self, prompt_name, prompt):
        """The raw prompt string for encode's arguments (sentence-transformers' order)."""
        if prompt is not None:
            if not isinstance(prompt, str):
                raise TypeError(f"prompt must be a str, not {type(prompt).__name__}")
            return prompt
        if prompt_name is not None:
            if prompt_name not in self.prompts:
                raise ValueError(f"unknown prompt name {prompt_name!r}; this model has: {', '.join(self.prompts) or '(no prompts)'}")
            return self.prompts[prompt_name]
        if self._default_prompt_name is not None:
            return self.prompts[self._default_prompt_name]
        return ""

    def _check_dim(self, dim):
        if dim is None:
            return None
        full = self._model.output_dim
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"truncate_dim must be an int, not {type(dim).__name__}")
        if not 1 <= dim <= full:
            raise ValueError(
                f"truncate_dim {dim} is not possible: choose 1..{full} (EmbeddingGemma's Matryoshka dimensions: 768, 512, 256, 128)"
            )
        return int(dim)

    # --- the rest of sentence-transformers' API ------------------------------------------

    def similarity(self, embeddings1, embeddings2):
        """(len(a), len(b)) float array of ``similarity_fn_name`` scores (cosine for EmbeddingGemma)."""
        return SIMILARITY_FUNCTIONS[self._similarity_fn_name][0](embeddings1, embeddings2)

    def similarity_pairwise(self, embeddings1, embeddings2):
        """(n,) float array: the score of embeddings1[i] with embeddings2[i]."""
        return SIMILARITY_FUNCTIONS[self._similarity_fn_name][1](embeddings1, embeddings2)

    def tokenize(self, texts, prompt_name=None, prompt=None):
        """The token ids the model sees for each text, as a dict of ragged lists:

            {"input_ids": [[2, …, 1], …], "attention_mask": [[1, …, 1], …]}

        One list per text (a str counts as a list of one), each ``<bos>`` + ids of the
        stripped text + ``<eos>``, truncated to ``max_seq_length``; unpadded, so every mask
        is all ones (kept for sentence-transformers code that reads it). No prompt is added
        unless ``prompt_name`` or ``prompt`` is given (as sentence-transformers' tokenize,
        which never adds one); with one, the ids are exactly those ``encode`` embeds.
        """
        if isinstance(texts, str):
            texts = [texts]
        if prompt_name is None and prompt is None:
            raw = ""
        else:
            raw = self._prompt(prompt_name, prompt)
        ids = self._model.prepare(texts, None, raw)
        return {"input_ids": ids, "attention_mask": [[1] * len(x) for x in ids]}
