"""The bundled all-MiniLM-L6-v2 run with onnxruntime and tokenizers: same vectors as sentence-transformers, no torch.

Importing sentence-transformers (and torch with it) costs ~6 s, most of a cold `icassist ask`. The model is
exported to ONNX once (torch is needed for that step only), kept under the models folder with a name keyed
by a hash of the model's own files, and rebuilt when they change. Pooling and normalisation are the model's
own (mean over tokens, unit length), so vectors match the reference to within float error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

_FINGERPRINTED = ("model.safetensors", "config.json", "tokenizer.json", "sentence_bert_config.json", "modules.json")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_file(model_dir: Path, onnx_dir: Path) -> Path:
    """Where the export of this exact model lives: a new model version gets a new file."""
    digest = hashlib.sha256()
    for name in _FINGERPRINTED:
        path = model_dir / name
        if path.exists():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return onnx_dir / f"{model_dir.parent.name}-{digest.hexdigest()[:16]}.onnx"


def export(model_dir: Path, dest: Path) -> Path:
    """Trace the transformer to ONNX (torch's TorchScript exporter); written to a temporary file, then renamed."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    class _Hidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    sample = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)(
        ["an example", "a second, longer example"], padding=True, return_tensors="pt"
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    os.close(fd)
    try:
        axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
        with warnings.catch_warnings():  # tracer notes on shape checks; equivalence is tested on real text
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(model),
                tuple(sample[name] for name in _INPUTS),
                tmp,
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, dest)  # concurrent exporters each write their own file; the last rename wins, whole
    finally:
        Path(tmp).unlink(missing_ok=True)
    return dest


class OnnxEncoder:
    """Encodes texts to unit vectors; safe to share between threads (onnxruntime sessions are)."""

    def __init__(self, model_dir: Path, onnx_path: Path, threads: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        max_length = json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"]
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        self._tokenizer.enable_padding()
        self._lock = threading.Lock()  # sharing one tokenizer between threads is not documented as safe

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Batches of similar length (as sentence-transformers does), so little compute goes on padding."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = []
        for start in range(0, len(texts), batch_size):
            with self._lock:
                encodings = self._tokenizer.encode_batch([texts[i] for i in order[start : start + batch_size]])
            feeds = {
                "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = self.session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return vectors
