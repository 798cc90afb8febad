#!/usr/bin/env python3
"""The thomas2020-tuned towers and angular N-pair objective in PyTorch on CPU, for a pairs/s comparison
with `crossmodal bench training --preset thomas2020-tuned` (the same shapes, batch, optimiser and loss;
random features): MLP towers over 384-d text features (`--text-tower mlp`), or a GRU text tower
(`--text-tower gru`: 200-d embeddings of a 4,000-word vocabulary, captions of 4-8 tokens, GRU 200 -> 512,
its last state through Linear 512 -> 256), as `bench training` draws them.

Usage (in a virtual environment with torch): python scripts/bench_pytorch_training.py [--threads 2] [--text-tower gru]
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def tower(inp):
    return nn.Sequential(nn.Linear(inp, 1024), nn.PReLU(), nn.Dropout(0.1), nn.Linear(1024, 256))


class GRUTower(nn.Module):
    """Word embeddings, a GRU over the tokens of each caption, its last state through a Linear layer."""

    def __init__(self, vocabulary=4000, width=200, hidden=512, out=256):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.gru = nn.GRU(width, hidden, batch_first=True)
        self.out = nn.Linear(hidden, out)

    def forward(self, tokens, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)
        return self.out(last[0])


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
    parser.add_argument("--text-tower", choices=["mlp", "gru"], default="mlp")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    gru = args.text_tower == "gru"
    images, texts = torch.randn(6000, 1280), torch.randn(30000, 384)
    lengths = torch.randint(4, 9, (30000,))
    tokens = torch.randint(0, 4000, (30000, 8))
    caption_image = torch.arange(30000) // 5
    neighbours = torch.randint(0, 30000, (30000,))
    image_tower, text_tower = tower(1280), (GRUTower() if gru else tower(384))
    optimiser = torch.optim.Adam(list(image_tower.parameters()) + list(text_tower.parameters()), lr=1e-4, weight_decay=1e-5)
    order = torch.randperm(30000)[: args.pairs]
    start = time.perf_counter()
    for s in range(0, len(order), args.batch):
        c = order[s:s + args.batch]
        n = neighbours[c]
        img = F.normalize(image_tower(images[torch.cat([caption_image[c], caption_image[n]])]), dim=1)
        rows = torch.cat([c, n])
        txt = F.normalize(text_tower(tokens[rows], lengths[rows]) if gru else text_tower(texts[rows]), dim=1)
        b = len(c)
        groups, ngroups = caption_image[c], caption_image[n]
        loss = (angular_npair(img[:b], txt[:b], groups) + angular_npair(txt[:b], img[:b], groups)
                + 0.3 * angular_npair(img[:b], img[b:], ngroups) + 0.2 * angular_npair(txt[:b], txt[b:], ngroups))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    seconds = time.perf_counter() - start
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.text_tower} text tower: "
          f"{len(order)} pairs in {seconds:.2f}s = {len(order) / seconds:.0f} pairs/s")


if __name__ == "__main__":
    main()
