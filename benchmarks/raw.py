"""The raw floor: the same model's encode and an exact FAISS search, and nothing else.

Each floor runs the very model object docbot loaded (the same SentenceTransformer, the same ONNX
Runtime session), so the ratio to docbot measures what docbot adds around the model: question
checks, BM25, fusion, answerability and the cited answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class RawTorch:
    """`SentenceTransformer.encode`, normalised, as its documentation shows it."""

    def __init__(self, model) -> None:
        self.model = model

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True)


class RawOnnx:
    """Tokenize, run the ONNX session, mean-pool, normalise: the encode of an ONNX export, written out."""

    def __init__(self, session, export_dir: Path) -> None:
        from tokenizers import Tokenizer

        meta = json.loads((Path(export_dir) / "embedder.json").read_text(encoding="utf-8"))
        if meta["pooling"] != "mean":
            raise ValueError(f"the raw ONNX floor mean-pools; this model pools by {meta['pooling']}")
        self.session = session
        self.inputs = {i.name for i in session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(Path(export_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(meta["max_seq_length"])
        self.tokenizer.enable_padding(pad_id=meta["pad_id"], pad_token=meta["pad_token"])

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts], kind="stable")  # as sentence-transformers batches
        parts = []
        for start in range(0, len(texts), batch_size):
            enc = self.tokenizer.encode_batch([texts[i] for i in order[start:start + batch_size]])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            m = mask[..., None].astype(np.float32)
            parts.append((hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None))
        out = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(parts)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class RawFloor:
    """encode(question) then an exact inner-product FAISS search over the same passages' vectors."""

    def __init__(self, encoder, passage_vectors: np.ndarray, k: int = 10) -> None:
        import faiss

        self.encoder = encoder
        self.k = k
        self.index = faiss.IndexFlatIP(passage_vectors.shape[1])
        self.index.add(np.ascontiguousarray(passage_vectors, dtype=np.float32))

    def ask(self, question: str):
        vector = self.encoder.encode([question])
        return self.index.search(np.ascontiguousarray(vector, dtype=np.float32), self.k)
