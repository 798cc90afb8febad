#!/usr/bin/env python3
"""The thomas2020 MLP towers and angular N-pair objective in PyTorch on CPU, for a pairs/s comparison
with `crossmodal bench training` (the same shapes, batch, optimiser and loss; random features).

Usage (in a virtual environment with torch): python scripts/bench_pytorch_training.py [--threads 2]
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def tower(inp):
    return nn.Sequential(nn.Linear(inp, 1024), nn.PReLU(), nn.Dropout(0.1), nn.Linear(1024, 256))


def angular_npair(anchors, positives, groups, t=1.0):
    s = anchors @ positives.T
    pp = positives @ positives.T
    f = 4 * t * (s + pp) - 2 * (1 + t) * s.diag()[:, None]
    same = groups[:, None] == groups[None, :]
    f = f.masked_fill(same, float("-inf"))
    zeros = torch.zeros(len(f), 1)
    return torch.logsumexp(torch.cat([zeros, f], dim=1), dim=1).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=30000)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images, texts = torch.randn(6000, 1280), torch.randn(30000, 384)
    caption_image = torch.arange(30000) // 5
    neighbours = torch.randint(0, 30000, (30000,))
    image_tower, text_tower = tower(1280), tower(384)
    optimiser = torch.optim.Adam(list(image_tower.parameters()) + list(text_tower.parameters()), lr=1e-4, weight_decay=1e-5)
    order = torch.randperm(30000)[: args.pairs]
    start = time.perf_counter()
    for s in range(0, len(order), args.batch):
        c = order[s:s + args.batch]
        n = neighbours[c]
        img = F.normalize(image_tower(images[torch.cat([caption_image[c], caption_image[n]])]), dim=1)
        txt = F.normalize(text_tower(texts[torch.cat([c, n])]), dim=1)
        b = len(c)
        groups, ngroups = caption_image[c], caption_image[n]
        loss = (angular_npair(img[:b], txt[:b], groups) + angular_npair(txt[:b], img[:b], groups)
                + 0.3 * angular_npair(img[:b], img[b:], ngroups) + 0.2 * angular_npair(txt[:b], txt[b:], ngroups))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    seconds = time.perf_counter() - start
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {len(order)} pairs in {seconds:.2f}s = {len(order) / seconds:.0f} pairs/s")


if __name__ == "__main__":
    main()
