"""Export a sentence-transformers model to ONNX (float32 or int8), checked against the model itself.

A step of its own, run by whoever wires the embedder (before the first question or build), not on
first use: it needs torch, takes seconds, and writes files.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from .embedding import (
    ONNX_EXPORT_VERSION,
    ONNX_META,
    ONNX_MODEL,
    ONNX_TOKENIZER,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
)
from .errors import EmbeddingModelError

log = logging.getLogger(__name__)

_POOLINGS = ("mean", "cls", "max")

# Texts of these lengths check an export against the model it came from (padding included).
_CHECK_TEXTS = [
    "Nvidia",
    "Qui est le PDG de Nvidia ?",
    "Where did Jensen Huang have dinner with Donald Trump, and what did they agree on about the H20?",
    "Les entreprises chinoises ont passé commande de puces H20 ; Reuters rapporte que TSMC en produira "
    "300 000 unités, alors que 700 000 sont déjà en réserve, selon des sources proches du dossier.",
]
# The lowest cosine an export may have to the PyTorch model on those texts: float32 reproduces it
# (to rounding), int8 keeps about 0.99; a broken export (a mask traced away, say) is far below.
_CHECK_MIN_COSINE = {False: 0.999, True: 0.95}


def export_onnx(name: str, folder: Path, quantize: bool = False) -> Path:
    """Export a sentence-transformers model to ONNX in `folder` (int8 if `quantize`), checked against it.

    Needs torch, sentence-transformers and onnx; works offline from the model's local files. The
    export is written beside `folder` and renamed into place, so a reader never sees half of one.
    """
    started = time.perf_counter()
    folder = Path(folder)
    log.info("exporting %s to ONNX%s in %s (once; this takes a few seconds)", name,
             " int8" if quantize else "", folder)
    reference = SentenceTransformerEmbedder(name)
    st = reference.model
    modules = [type(m).__name__ for m in st]
    if modules[:2] != ["Transformer", "Pooling"] or any(m != "Normalize" for m in modules[2:]):
        raise EmbeddingModelError(name, "onnx_unsupported", detail=f"modules {modules}")
    pooling = st[1].get_config_dict().get("pooling_mode", "mean")
    if pooling not in _POOLINGS:
        raise EmbeddingModelError(name, "onnx_unsupported", detail=f"pooling by {pooling!r}")
    for package in ("onnx", "torch"):  # the quantizer needs onnx: fail here, saying which is missing
        try:
            __import__(package)
        except ImportError as exc:
            raise EmbeddingModelError(name, "package_missing", package=package) from exc
    import torch

    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}-{threading.get_ident()}"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:  # a read-only folder: one clear error, not the OSError of a library
        raise EmbeddingModelError(name, "export_unwritable", detail=exc.strerror or str(exc),
                                  folder=folder.parent) from None
    try:
        tokenizer = st.tokenizer
        tokenizer.save_pretrained(str(tmp / "tokenizer"))
        if not (tmp / "tokenizer" / ONNX_TOKENIZER).is_file():
            raise EmbeddingModelError(name, "onnx_unsupported", detail="no fast tokenizer (tokenizer.json)")
        shutil.move(str(tmp / "tokenizer" / ONNX_TOKENIZER), str(tmp / ONNX_TOKENIZER))
        shutil.rmtree(tmp / "tokenizer")

        model = st[0].auto_model
        # Eager attention traces to plain ONNX operators that ONNX Runtime fuses well; the
        # example batch is padded, so the traced graph keeps the attention mask.
        if hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation("eager")
        model.eval()
        accepted = inspect.signature(model.forward).parameters
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]
        example = tokenizer(_CHECK_TEXTS[:2], padding=True, return_tensors="pt")
        args = tuple(example[n] if n in example else torch.zeros_like(example["input_ids"]) for n in names)

        class _Hidden(torch.nn.Module):
            def __init__(self, inner) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, *tensors):
                return self.inner(**dict(zip(names, tensors, strict=True))).last_hidden_state

        fp32 = tmp / "model-fp32.onnx"
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
        with torch.no_grad(), _quiet():
            torch.onnx.export(_Hidden(model), args, str(fp32), dynamo=False, input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Per-channel int8 weights for the matrix products only: the embedding table stays
            # float, which keeps the vectors within about 0.99 cosine of the original.
            with _quiet():
                quantize_dynamic(str(fp32), str(tmp / ONNX_MODEL), weight_type=QuantType.QInt8,
                                 per_channel=True, op_types_to_quantize=["MatMul"])
            fp32.unlink()
        else:
            fp32.rename(tmp / ONNX_MODEL)

        pad_token = tokenizer.pad_token or "[PAD]"
        meta = {
            "model": name, "version": ONNX_EXPORT_VERSION, "quantize": quantize, "pooling": pooling,
            "dimension": reference.dimension, "max_seq_length": int(st.max_seq_length or 256),
            "do_lower_case": bool(getattr(st[0], "do_lower_case", False)),
            "pad_id": int(tokenizer.pad_token_id or 0), "pad_token": pad_token,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        (tmp / ONNX_META).write_text(json.dumps(meta, indent=1), encoding="utf-8")

        cosine = _check_export(reference, tmp, quantize)
        meta["check_cosine"] = round(cosine, 4)
        (tmp / ONNX_META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / ONNX_META).is_file():  # not another process's finished export
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %s to ONNX in %.1fs (cosine to PyTorch %.3f)", name, time.perf_counter() - started,
             cosine)
    return folder


def _check_export(reference: SentenceTransformerEmbedder, folder: Path, quantize: bool) -> float:
    """Lowest cosine of an export's vectors to its model's, on texts of several lengths; raise if low."""
    candidate = OnnxEmbedder(reference.name, quantize=quantize)
    candidate._loaded = candidate._open(folder)
    got = candidate.embed(_CHECK_TEXTS, batch_size=len(_CHECK_TEXTS))
    want = reference.embed(_CHECK_TEXTS)
    cosine = float((got * want).sum(axis=1).min())
    if cosine < _CHECK_MIN_COSINE[quantize]:
        raise EmbeddingModelError(reference.name, "export_disagrees", detail=f"cosine {cosine:.3f}")
    return cosine


def ensure_export(embedder: OnnxEmbedder) -> Path:
    """The folder of `embedder`'s export, exported (and checked) first if there is none yet."""
    folder = embedder.export_dir()
    if not (folder / ONNX_META).is_file():
        export_onnx(embedder.model_name, folder, quantize=embedder.quantize)
    return folder


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet():
    """Silence the exporter's warnings and the quantizer's advice, which it logs on the root logger."""
    import warnings

    root = logging.getLogger()
    drop = _DropAll()
    root.addFilter(drop)  # applies to records logged on the root logger itself, not to propagated ones
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(drop)
