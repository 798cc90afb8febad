#!/usr/bin/env python3
"""The fine-tuning step of `crossmodal bench finetune` in PyTorch on CPU, for the ratio.

    python scripts/bench_pytorch_finetune.py .cache/models [--variant lite0] [--blocks 2] [--batch-size 32]
                                             [--steps 20] [--threads 2]

Builds the last N MBConv blocks and the head of EfficientNet-Lite as plain torch convolutions from the
same safetensors weights crossmodal reads, with BatchNorm folded into them (frozen, as crossmodal keeps it),
TensorFlow SAME padding, ReLU6 and global average pooling. One step: forward a batch of random maps in
ReLU6's range, backward a fixed random gradient of the pooled output, Adam (lr 1e-5). Prints images/s.
Run from .cache/bench-venv (scripts/bench_compare.sh makes it).
"""
import argparse
import json
import struct
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

STAGE_STRIDES = [1, 2, 2, 2, 1, 2, 1]


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype=np.float32).reshape(entry["shape"]).copy())
    return out


def fold(w, conv, bn):
    scale = w[bn + ".weight"] / torch.sqrt(w[bn + ".running_var"] + 1e-3)
    weight = w[conv + ".weight"] * scale.reshape(-1, 1, 1, 1)
    bias = w[bn + ".bias"] - w[bn + ".running_mean"] * scale
    return torch.nn.Parameter(weight.contiguous()), torch.nn.Parameter(bias.contiguous())


def same_pad(x, kernel, stride):
    size = x.shape[-1]
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models")
    parser.add_argument("--variant", default="lite0")
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels-last", action="store_true", help="NHWC tensors (oneDNN's preferred layout), as crossmodal's")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    w = read_safetensors(Path(args.models) / f"efficientnet-{args.variant}.safetensors")
    count = 0
    while f"_blocks.{count}._depthwise_conv.weight" in w:
        count += 1
    # Strides from the stages, as crossmodal reads them; the input map's size from the input side.
    strides, stage, previous = [], -1, None
    for i in range(count):
        out = w[f"_blocks.{i}._project_conv.weight"].shape[0]
        first = out != previous
        stage += first
        previous = out
        strides.append(STAGE_STRIDES[stage] if first else 1)
    size = {"lite0": 224, "lite2": 260}[args.variant]
    size = (size + 1) // 2
    for i in range(count - args.blocks):
        size = (size + strides[i] - 1) // strides[i]
    first = count - args.blocks
    channels = w[f"_blocks.{first - 1}._project_conv.weight"].shape[0]

    params, blocks = [], []
    for i in range(first, count):
        p = f"_blocks.{i}"
        expand = fold(w, p + "._expand_conv", p + "._bn0") if p + "._expand_conv.weight" in w else None
        depthwise = fold(w, p + "._depthwise_conv", p + "._bn1")
        project = fold(w, p + "._project_conv", p + "._bn2")
        k = depthwise[0].shape[-1]
        inp = expand[0].shape[1] if expand else depthwise[0].shape[0]
        blocks.append((expand, depthwise, project, k, strides[i], strides[i] == 1 and inp == project[0].shape[0]))
        params += [t for pair in (expand, depthwise, project) if pair for t in pair]
    head = fold(w, "_conv_head", "_bn1")
    params += list(head)

    def forward(x):
        for expand, depthwise, project, k, stride, residual in blocks:
            h = x
            if expand:
                h = F.relu6(F.conv2d(h, expand[0], expand[1]))
            h = F.relu6(F.conv2d(same_pad(h, k, stride), depthwise[0], depthwise[1], stride=stride, groups=h.shape[1]))
            h = F.conv2d(h, project[0], project[1])
            x = h + x if residual else h
        return F.relu6(F.conv2d(x, head[0], head[1])).mean(dim=(2, 3))

    optimizer = torch.optim.Adam(params, lr=1e-5)
    generator = torch.Generator().manual_seed(1)
    x = 6 * torch.rand(args.batch_size, channels, size, size, generator=generator)
    if args.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
        for p in params:
            if p.dim() == 4:
                p.data = p.data.contiguous(memory_format=torch.channels_last)
    g = torch.randn(args.batch_size, 1280, generator=generator) / args.batch_size

    def step():
        optimizer.zero_grad(set_to_none=False)
        (forward(x) * g).sum().backward()
        optimizer.step()

    step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    rate = args.steps * args.batch_size / seconds
    print(f"pytorch {args.variant}, last {args.blocks} blocks and head on {size}x{size}x{channels} maps, batch {args.batch_size}: "
          f"{rate:.1f} images/s ({1000 * seconds / args.steps:.1f} ms per step; torch {torch.__version__}, {args.threads} threads"
          f"{', channels last' if args.channels_last else ''})")


if __name__ == "__main__":
    main()
