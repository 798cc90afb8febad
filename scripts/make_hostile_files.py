#!/usr/bin/env python3
"""Hostile inputs for crossmodal's loaders: the cases of the fuzz suite (Tests/CrossmodalCLITests/FuzzTests.swift).

    make_hostile_files.py dataset OUT        a small synthetic JSONL dataset (PNG photos of coloured shapes)
    make_hostile_files.py cases BASE OUT     mutated copies of the valid artefacts in BASE, and OUT/cases.json

BASE holds what the test made with crossmodal from the synthetic dataset: run/ (a trained run), index/ (an
index with HNSW graphs), d2v/ (a Doc2Vec model), nn.safetensors (+ .ids.txt, its neighbour file),
vec.npy (+ .ids.txt) and photo.jpg (a real JPEG). Every case is one file (or folder) made wrong in one
way; cases.json lists, for each, the command to run (paths relative to OUT; {base} is BASE, {out} a
fresh scratch folder) and the name the error message must give. Standard library only (NumPy is not needed).
"""
import json
import os
import random
import shutil
import sqlite3
import struct
import tarfile
import io
import sys
import zlib


def png(width, height, pixels, color_type=2):
    """A PNG of 8-bit RGB (color_type 2) or RGBA (6) rows given as bytes."""
    def chunk(kind, body):
        data = kind + body
        return struct.pack(">I", len(body)) + data + struct.pack(">I", zlib.crc32(data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(pixels)) + chunk(b"IEND", b"")


def make_dataset(out):
    """24 images of a coloured square on a plain ground, two captions each, train and dev."""
    rng = random.Random(7)
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    colours = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 60, 220), "yellow": (230, 220, 40)}
    grounds = {"white": (250, 250, 250), "black": (10, 10, 10), "grey": (128, 128, 128)}
    lines = []
    for i in range(24):
        colour = list(colours)[i % 4]
        ground = list(grounds)[(i // 4) % 3]
        size = 64
        rows = bytearray()
        x0, y0 = rng.randrange(8, 32), rng.randrange(8, 32)
        for y in range(size):
            rows.append(0)
            for x in range(size):
                inside = x0 <= x < x0 + 24 and y0 <= y < y0 + 24
                rows += bytes(colours[colour] if inside else grounds[ground])
        name = f"images/{i:02d}.png"
        with open(os.path.join(out, name), "wb") as f:
            f.write(png(size, size, bytes(rows)))
        split = "dev" if i % 4 == 3 and i >= 12 else "train"
        for text in (f"a {colour} square on a {ground} ground", f"{ground} background with a {colour} block"):
            lines.append(json.dumps({"image": name, "text": text, "split": split}))
    with open(os.path.join(out, "pairs.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------- safetensors

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), data[8 + n:]


def write_safetensors(path, header, payload):
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + payload)


def npy(shape, descr="<f4", payload=b"", fortran=False, version=1, header_length=None):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False", ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else ""))
    header = header.encode() + b"\n"
    length = len(header) if header_length is None else header_length
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", length) + header + payload
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", length) + header + payload


# ---------------------------------------------------------------------------------------------- the cases

class Cases:
    def __init__(self, base, out):
        self.base, self.out, self.cases = base, out, []

    def add(self, name, argv, names):
        self.cases.append({"name": name, "argv": argv, "names": names})

    def folder(self, name, source=None):
        """A fresh case folder, a copy of BASE/source when given."""
        path = os.path.join(self.out, name)
        if source:
            shutil.copytree(os.path.join(self.base, source), path, symlinks=True)
        else:
            os.makedirs(path)
        return path

    def write(self, path, data):
        with open(path, "wb") as f:
            f.write(data)


def jpeg_bomb(jpeg):
    """The JPEG with its frame header claiming 10,000 x 10,000 pixels (750 MB decoded) over the same data."""
    sof = next(i for i in range(2, len(jpeg) - 1) if jpeg[i] == 0xFF and jpeg[i + 1] in (0xC0, 0xC1, 0xC2))
    return jpeg[:sof + 5] + struct.pack(">HH", 10000, 10000) + jpeg[sof + 9:]


def jpeg_scan_flood(jpeg, scans=10000):
    """The JPEG with `scans` empty scans before its end: minutes of decoding for an unguarded decoder."""
    sos = jpeg.index(b"\xff\xda")
    sos_length = struct.unpack(">H", jpeg[sos + 2:sos + 4])[0]
    return jpeg[:-2] + (jpeg[sos:sos + 2 + sos_length] + b"\x00") * scans + b"\xff\xd9"


def exif_segment(directory_offset=8, entries=1, orientation=6):
    """An APP1 Exif segment whose IFD0 offset and entry count may lie (little-endian TIFF)."""
    tiff = b"II" + struct.pack("<HIH", 42, directory_offset, entries) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + b"\0" * 4
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def gif_screen_bomb(width=65535, height=65535):
    """A GIF whose logical screen claims width x height, holding one 4 x 4 frame."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 4, 4, 0) + b"\x02\x04\x84\x8f\xa9\x00\x00"
    return screen + frame + b"\x3b"


def box(kind, payload, version=None, flags=0):
    """An ISOBMFF box (a full box when `version` is given)."""
    if version is not None:
        payload = struct.pack(">I", (version << 24) | flags) + payload
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def heic_tile_flood(heic, columns=40, rows=25):
    """A HEIC whose primary image is a grid of columns x rows tiles (1,000 by default), every tile the fixture's
    one coded picture: few pixels in all (3840 x 1600), but a thousand images to decode for an unguarded reader.
    With a few tiles it is a valid grid image, as phones write them (scripts/make_format_fixtures.py)."""
    ispe = heic.index(b"ispe")
    width, height = struct.unpack(">II", heic[ispe + 8:ispe + 16])
    hvcc_at = heic.index(b"hvcC") - 4
    hvcc = heic[hvcc_at:hvcc_at + struct.unpack(">I", heic[hvcc_at:hvcc_at + 4])[0]]
    iloc = heic.index(b"iloc")
    # iloc version 0 with 4-byte offsets, lengths and base offset, one item with one extent (as heif-enc writes it).
    base, extents, extent, length = struct.unpack(">IHII", heic[iloc + 16:iloc + 30])
    assert heic[iloc + 8:iloc + 10] == b"\x44\x40" and extents == 1
    offset = base + extent
    coded = heic[offset:offset + length]
    tiles = columns * rows
    grid = tiles + 1
    ftyp = heic[:struct.unpack(">I", heic[:4])[0]]
    hdlr_at = heic.index(b"hdlr") - 4
    hdlr = heic[hdlr_at:hdlr_at + struct.unpack(">I", heic[hdlr_at:hdlr_at + 4])[0]]
    infe = b"".join(box(b"infe", struct.pack(">HH", i, 0) + b"hvc1\0", version=2, flags=1) for i in range(1, tiles + 1))  # hidden
    infe += box(b"infe", struct.pack(">HH", grid, 0) + b"grid\0", version=2)
    iinf = box(b"iinf", struct.pack(">H", grid) + infe, version=0)
    iref = box(b"iref", box(b"dimg", struct.pack(">HH", grid, tiles) + b"".join(struct.pack(">H", i) for i in range(1, tiles + 1))), version=0)
    ipco = box(b"ipco", hvcc + box(b"ispe", struct.pack(">II", width, height), version=0)
               + box(b"ispe", struct.pack(">II", width * columns, height * rows), version=0))
    ipma = box(b"ipma", struct.pack(">I", grid) + b"".join(struct.pack(">HBBB", i, 2, 0x81, 0x02) for i in range(1, tiles + 1))
               + struct.pack(">HBB", grid, 1, 0x03), version=0)
    descriptor = struct.pack(">BBBBHH", 0, 0, rows - 1, columns - 1, width * columns, height * rows)

    def meta(data_start):
        locations = b"".join(struct.pack(">HHHII", i, 0, 1, data_start, len(coded)) for i in range(1, tiles + 1))
        locations += struct.pack(">HHHII", grid, 0, 1, data_start + len(coded), len(descriptor))
        iloc_box = box(b"iloc", bytes([0x44, 0x00]) + struct.pack(">H", grid) + locations, version=0)
        return box(b"meta", hdlr + box(b"pitm", struct.pack(">H", grid), version=0) + iloc_box + iinf + iref
                   + box(b"iprp", ipco + ipma), version=0)

    start = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(start) + box(b"mdat", coded + descriptor)


def image_cases(c):
    with open(os.path.join(c.base, "photo.jpg"), "rb") as f:
        jpeg = f.read()
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EncodersTests", "Fixtures")
    with open(os.path.join(fixtures, "picture.webp"), "rb") as f:
        webp = f.read()
    with open(os.path.join(fixtures, "picture.heic"), "rb") as f:
        heic = f.read()
    ispe = heic.index(b"ispe") + 8  # after the box type, its version and flags: width and height
    sos = jpeg.index(b"\xff\xda")
    sos_length = struct.unpack(">H", jpeg[sos + 2:sos + 4])[0]
    variants = {
        "jpeg_bomb.jpg": jpeg_bomb(jpeg),
        "jpeg_scan_flood.jpg": jpeg_scan_flood(jpeg),
        "jpeg_truncated.jpg": jpeg[:sos + 2 + sos_length + 16],
        "jpeg_garbage.jpg": b"\xff\xd8\xff" + bytes(random.Random(1).randrange(256) for _ in range(4000)),
        "png_bomb.png": png(100000, 100000, b""),
        "png_truncated.png": png(64, 64, b"\x00" + b"\x80" * 192 * 64)[:120],
        "png_garbage_idat.png": png(64, 64, b"")[:33] + struct.pack(">I", 50) + b"IDAT" + b"\x07" * 54,
        "not_an_image.jpg": b"just some text, not a picture\n" * 10,
        "webp_truncated.webp": webp[:len(webp) // 2],
        "heic_truncated.heic": heic[:len(heic) // 2],
        "heic_huge.heic": heic[:ispe] + struct.pack(">II", 100000, 100000) + heic[ispe + 8:],
        "heic_1000_tiles.heic": heic_tile_flood(heic),
        "gif_screen_bomb.gif": gif_screen_bomb(),
        "gif_truncated.gif": gif_screen_bomb(65, 65)[:31],
        # EXIF read before the pixels: an IFD0 far past the segment, then a picture cut short.
        "jpeg_exif_lying_offset.jpg": jpeg[:2] + exif_segment(directory_offset=0xFFFFFFF0) + jpeg[2:sos + 2 + sos_length + 16],
        "jpeg_exif_lying_count.jpg": jpeg[:2] + exif_segment(entries=0xFFFF) + jpeg[2:sos + 2 + sos_length + 16],
    }
    for name, data in variants.items():
        folder = c.folder("image_" + name.replace(".", "_"))
        c.write(os.path.join(folder, name), data)
        c.add("image_" + name, ["search", "{base}/index", "--image", os.path.join(folder, name)], [name])
    folder = c.folder("image_fifo")
    os.mkfifo(os.path.join(folder, "fifo.jpg"))
    c.add("image_fifo", ["search", "{base}/index", "--image", os.path.join(folder, "fifo.jpg")], ["fifo.jpg"])
    folder = c.folder("image_directory")
    os.makedirs(os.path.join(folder, "folder.jpg"))
    c.add("image_directory", ["search", "{base}/index", "--image", os.path.join(folder, "folder.jpg")], ["folder.jpg"])


def npy_cases(c):
    with open(os.path.join(c.base, "vec.ids.txt")) as f:
        ids = f.read()
    rows = ids.count("\n")
    variants = {
        "npy_not_numpy": b"PK\x03\x04 a zip file, say" * 20,
        "npy_truncated_header": b"\x93NUMPY\x01\x00" + struct.pack("<H", 400) + b"{'descr': '<f4', ",
        "npy_shape_overflow": npy((4611686018427387904, 4), payload=b"\x00" * 64),
        "npy_negative_shape": npy((-3, 4), payload=b"\x00" * 48),
        "npy_huge_header": npy((rows, 4), version=2, header_length=0xFFFFFFF0),
        "npy_fortran": npy((rows, 4), fortran=True, payload=b"\x00" * (16 * rows)),
        "npy_bad_dtype": npy((rows, 4), descr="<c16", payload=b"\x00" * (64 * rows)),
        "npy_short_payload": npy((rows, 4), payload=b"\x00" * 10),
    }
    for name, data in variants.items():
        folder = c.folder(name)
        c.write(os.path.join(folder, "vec.npy"), data)
        c.write(os.path.join(folder, "vec.ids.txt"), ids.encode())
        c.add(name, ["neighbors", "--vectors", os.path.join(folder, "vec.npy"), "--k", "3", "--out", "{out}/nn.safetensors"], ["vec.npy"])
    folder = c.folder("npy_ids_mismatch")
    shutil.copy(os.path.join(c.base, "vec.npy"), os.path.join(folder, "vec.npy"))
    c.write(os.path.join(folder, "vec.ids.txt"), b"only\none\n")
    c.add("npy_ids_mismatch", ["neighbors", "--vectors", os.path.join(folder, "vec.npy"), "--out", "{out}/nn.safetensors"], ["vec.ids.txt"])
    folder = c.folder("npy_fifo")
    os.mkfifo(os.path.join(folder, "vec.npy"))
    c.write(os.path.join(folder, "vec.ids.txt"), ids.encode())
    c.add("npy_fifo", ["neighbors", "--vectors", os.path.join(folder, "vec.npy"), "--out", "{out}/nn.safetensors"], ["vec.npy"])


def doc2vec_cases(c):
    """Damaged Doc2Vec models, and damaged safetensors files in general (the model's own file)."""
    header, payload = read_safetensors(os.path.join(c.base, "d2v", "model.safetensors"))
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    first = sorted(tensors, key=lambda k: tensors[k]["data_offsets"][0])[0]

    def variant(name, mutate=None, raw=None):
        folder = c.folder(name, "d2v")
        target = os.path.join(folder, "model.safetensors")
        if raw is not None:
            c.write(target, raw)
        elif mutate:
            h = json.loads(json.dumps(header))
            p = mutate(h)
            write_safetensors(target, h, p if isinstance(p, bytes) else payload)
        c.add(name, ["doc2vec", "infer", folder, "--text", "a red square"], ["model.safetensors"])

    variant("st_header_length_huge", raw=struct.pack("<Q", 1 << 40) + b"{}")
    variant("st_not_json", raw=struct.pack("<Q", 16) + b"{not json at all" + payload[:64])
    variant("st_offsets_past_end", lambda h: h[first].update(data_offsets=[0, len(payload) + 4096]))
    variant("st_negative_offset", lambda h: h[first].update(data_offsets=[-8, h[first]["data_offsets"][1]]))
    variant("st_shape_overflow", lambda h: h[first].update(shape=[4611686018427387904, 8]))

    def overlap(h):
        # Ten thousand tensors over the same few bytes: a reader that copied each would hold far more than the file.
        for i in range(10000):
            h[f"copy{i}"] = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
    variant("st_many_overlapping", overlap)
    variant("d2v_missing_tensor", lambda h: h.pop("word_counts"))

    def bad_configuration(h):
        configuration = json.loads(h["__metadata__"]["configuration"])
        configuration["vectorSize"] = 0
        h["__metadata__"]["configuration"] = json.dumps(configuration)
    variant("d2v_bad_configuration", bad_configuration)

    def overflowing_counts(h):
        # Every word counted 2^62 times: their sum overflows a 64-bit integer.
        start, end = h["word_counts"]["data_offsets"]
        body = bytearray(payload)
        for offset in range(start, end, 8):
            struct.pack_into("<q", body, offset, 1 << 62)
        return bytes(body)
    variant("d2v_counts_overflow", overflowing_counts)

    def configuration_field(field, value):
        def change(h):
            configuration = json.loads(h["__metadata__"]["configuration"])
            configuration[field] = value
            h["__metadata__"]["configuration"] = json.dumps(configuration)
        return change
    # A window or an epoch count no corpus has: inference would overflow or never end.
    variant("d2v_window_huge", configuration_field("window", 1 << 62))
    variant("d2v_epochs_huge", configuration_field("epochs", 1 << 50))

    folder = c.folder("d2v_vocabulary_mismatch", "d2v")
    with open(os.path.join(folder, "vocab.txt"), "a") as f:
        f.write("extra\nwords\n")
    c.add("d2v_vocabulary_mismatch", ["doc2vec", "infer", folder, "--text", "a red square"], ["d2v_vocabulary_mismatch"])
    folder = c.folder("d2v_document_width", "d2v")
    c.write(os.path.join(folder, "document_vectors.npy"), npy((1, 3), payload=b"\x00" * 12))
    c.write(os.path.join(folder, "document_vectors.ids.txt"), b"x\n")
    c.add("d2v_document_width", ["doc2vec", "infer", folder, "--text", "a red square"], ["d2v_document_width"])


def neighbor_cases(c, train):
    header, payload = read_safetensors(os.path.join(c.base, "nn.safetensors"))
    with open(os.path.join(c.base, "nn.ids.txt")) as f:
        ids = f.read()
    n, k = header["indices"]["shape"]
    begin, end = header["indices"]["data_offsets"]

    def variant(name, header_change=None, indices=None, ids_text=ids):
        folder = c.folder(name)
        h = json.loads(json.dumps(header))
        p = payload
        if indices is not None:
            p = payload[:begin] + indices + payload[end:]
        if header_change:
            header_change(h)
        write_safetensors(os.path.join(folder, "nn.safetensors"), h, p)
        c.write(os.path.join(folder, "nn.ids.txt"), ids_text.encode())
        c.add(name, train + ["--neighbors", os.path.join(folder, "nn.safetensors")], ["nn."])

    variant("nn_index_out_of_range", indices=struct.pack("<%di" % (n * k), *([n + 1000] * (n * k))))
    variant("nn_negative_index", indices=struct.pack("<%di" % (n * k), *([-7] * (n * k))))
    variant("nn_ids_mismatch", ids_text="a\nb\n")
    variant("nn_no_metric", lambda h: h["__metadata__"].pop("metric"))


def checkpoint_cases(c, train):
    header, payload = read_safetensors(os.path.join(c.base, "run", "last.safetensors"))
    def largest(prefix):
        names = [k for k in header if k.startswith(prefix)]
        return sorted(names, key=lambda k: -(header[k]["data_offsets"][1] - header[k]["data_offsets"][0]))
    params = largest("param.")
    adam = largest("adam.m.")

    def variant(name, mutate, target="last.safetensors", command=None):
        folder = c.folder(name, "run")
        h = json.loads(json.dumps(header))
        p = mutate(h)
        write_safetensors(os.path.join(folder, target), h, p if isinstance(p, bytes) else payload)
        argv = command(folder) if command else train[:train.index("--out") + 1] + [folder, "--resume", "--epochs", "3"] + train[train.index("--out") + 2:]
        c.add(name, argv, [target])

    def shrink(name):
        def mutate(h):
            # Keep the byte ranges tiling the data: the tensor claims a smaller shape over a shorter range, the rest pads.
            tensor = h[name]
            b0, e0 = tensor["data_offsets"]
            tensor["shape"] = [1, 1]
            tensor["data_offsets"] = [b0, b0 + 4]
            h["zz_padding"] = {"dtype": "F32", "shape": [(e0 - b0 - 4) // 4], "data_offsets": [b0 + 4, e0]}
        return mutate

    variant("ckpt_parameter_shape", shrink(params[0]))
    variant("ckpt_adam_size", shrink(adam[0]))
    variant("ckpt_negative_epoch", lambda h: h["__metadata__"].update(epoch="-5", step="-1"))
    variant("ckpt_parameter_shape_evaluate", shrink(params[1]), target="best.safetensors",
            command=lambda folder: ["evaluate", folder, "{base}/data/pairs.jsonl", "--no-preservation"])
    folder = c.folder("run_config_fifo", "run")
    os.remove(os.path.join(folder, "config.json"))
    os.mkfifo(os.path.join(folder, "config.json"))
    c.add("run_config_fifo", ["evaluate", folder, "{base}/data/pairs.jsonl"], ["config.json"])
    # A fine-tuning architecture whose sizes would allocate terabytes of weights, and one whose blocks do not chain.
    with open(os.path.join(c.base, "run", "config.json")) as f:
        config = json.load(f)
    for name, architecture in [
        ("run_config_huge_network", {"height": 7, "width": 7, "channels": 192, "headOutput": 1 << 40,
                                     "blocks": [{"input": 192, "expanded": 1 << 40, "output": 192, "kernel": 5, "stride": 1, "residual": True}]}),
        ("run_config_unchained_network", {"height": 7, "width": 7, "channels": 192, "headOutput": 1280,
                                          "blocks": [{"input": 100, "expanded": 1152, "output": 192, "kernel": 5, "stride": 1, "residual": False}]}),
    ]:
        folder = c.folder(name, "run")
        hostile = json.loads(json.dumps(config))
        hostile["training"]["imageFinetuning"] = {"blocks": 1, "learningRate": 1e-5, "flip": True, "architecture": architecture}
        c.write(os.path.join(folder, "config.json"), json.dumps(hostile).encode())
        c.add(name, ["evaluate", folder, "{base}/data/pairs.jsonl", "--no-preservation"], ["config.json"])
    # Sizes of the towers themselves, read from config.json before any weight exists.
    for name, field, value in [("run_config_huge_embedding", "embeddingDimension", 1 << 40), ("run_config_huge_batch", "batchSize", 1 << 50)]:
        folder = c.folder(name, "run")
        hostile = json.loads(json.dumps(config))
        hostile["training"][field] = value
        c.write(os.path.join(folder, "config.json"), json.dumps(hostile).encode())
        c.add(name, ["evaluate", folder, "{base}/data/pairs.jsonl", "--no-preservation"], ["config.json"])
    folder = c.folder("run_config_not_json", "run")
    c.write(os.path.join(folder, "config.json"), b'{"preset": "thomas2020", "training": ')
    c.add("run_config_not_json", ["evaluate", folder, "{base}/data/pairs.jsonl"], ["config.json"])


def index_cases(c):
    with open(os.path.join(c.base, "index", "index.json")) as f:
        manifest = json.load(f)

    def variant(name, change, names):
        folder = c.folder(name, "index")
        change(folder)
        c.add(name, ["search", folder, "--text", "a red square"], names)

    def manifest_with(**fields):
        def change(folder):
            m = dict(manifest, **fields)
            with open(os.path.join(folder, "index.json"), "w") as f:
                json.dump(m, f)
        return change

    variant("idx_dimension_huge", manifest_with(dimension=10 ** 12), ["index.json"])
    variant("idx_dimension_zero", manifest_with(dimension=0), ["index.json"])
    variant("idx_generation_huge", manifest_with(generation=10 ** 9), ["index.json"])

    # The catalogue is the commit point: rows it names must exist in every vector file, numbered 0, 1, 2 …
    def catalog_sql(statement):
        def change(folder):
            database = sqlite3.connect(os.path.join(folder, "catalog.sqlite"))
            database.execute(statement)
            database.commit()
            database.close()
        return change
    variant("idx_catalog_row_gap", catalog_sql("UPDATE images SET row = row + 1000 WHERE row = (SELECT MAX(row) FROM images)"), ["catalog.sqlite"])
    variant("idx_catalog_more_rows", catalog_sql("INSERT INTO images (row, id, path) SELECT MAX(row) + 1, 'ghost.png', '/ghost.png' FROM images"), [".f32"])
    variant("idx_not_json", lambda folder: c.write(os.path.join(folder, "index.json"), b"{\"format\": 1, "), ["index.json"])

    def truncate(name, by):
        def change(folder):
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                data = f.read()
            c.write(path, data[:-by])
        return change
    variant("idx_vectors_truncated", truncate("images.f32", 3), ["images.f32"])
    variant("idx_catalog_garbage", lambda folder: c.write(os.path.join(folder, "catalog.sqlite"), b"SQLite format 3\x00" + b"\xff" * 4000), ["catalog.sqlite"])

    def manifest_fifo(folder):
        os.remove(os.path.join(folder, "index.json"))
        os.mkfifo(os.path.join(folder, "index.json"))
    variant("idx_manifest_fifo", manifest_fifo, ["index.json"])

    # HNSW graphs (hnswlib's format; see Sources/Neighbors/HNSWGraphFile.swift).
    with open(os.path.join(c.base, "index", "captions.hnsw"), "rb") as f:
        graph = f.read()
    fields = list(struct.unpack("<QQQQQQiIQQQdQ", graph[:96]))
    count, size_per, label_offset = fields[2], fields[3], fields[4]

    def graph_variant(name, data):
        variant(name, lambda folder: c.write(os.path.join(folder, "captions.hnsw"), data), ["captions.hnsw"])

    def with_fields(**changes):
        f = list(fields)
        names = ["offset0", "max_elements", "count", "size_per", "label_offset", "offset_data", "max_level", "entry", "max_m", "max_m0", "m", "mult", "ef"]
        for key, value in changes.items():
            f[names.index(key)] = value
        return struct.pack("<QQQQQQiIQQQdQ", *f) + graph[96:]

    graph_variant("hnsw_capacity_huge", with_fields(max_elements=1 << 40))
    graph_variant("hnsw_max_m0_huge", with_fields(max_m0=1 << 30))
    graph_variant("hnsw_entry_point_missing", with_fields(entry=count + 10))
    graph_variant("hnsw_truncated", graph[:len(graph) // 2])
    graph_variant("hnsw_header_only", graph[:60])
    body = bytearray(graph)
    struct.pack_into("<I", body, 96 + 4, count + 1000)      # element 0's first link
    if struct.unpack_from("<I", graph, 96)[0] & 0xFFFF == 0:
        struct.pack_into("<I", body, 96, 1)
    graph_variant("hnsw_link_out_of_range", bytes(body))
    body = bytearray(graph)
    struct.pack_into("<Q", body, 96 + label_offset, 10 ** 9)  # element 0's label
    graph_variant("hnsw_label_out_of_range", bytes(body))


def merge_cases(c):
    """`index merge` given the good base gallery and a damaged or foreign one: refused, naming the part's file or
    what differs, with neither part changed and nothing left in --out."""
    with open(os.path.join(c.base, "index", "index.json")) as f:
        manifest = json.load(f)

    def variant(name, change, names):
        folder = c.folder(name, "index")
        change(folder)
        c.add(name, ["index", "merge", "{base}/index", folder, "--out", "{out}/merged"], names)

    def truncate_vectors(folder):
        path = os.path.join(folder, "images.f32")
        with open(path, "rb") as f:
            data = f.read()
        c.write(path, data[:len(data) // 2])
    variant("merge_part_vectors_cut", truncate_vectors, ["images.f32"])

    def break_graph(folder):
        path = os.path.join(folder, "captions.hnsw")
        with open(path, "rb") as f:
            graph = bytearray(f.read())
        count = struct.unpack_from("<Q", graph, 16)[0]
        struct.pack_into("<I", graph, 96, 1)
        struct.pack_into("<I", graph, 96 + 4, count + 1000)
        c.write(path, bytes(graph))
    variant("merge_part_graph_link", break_graph, ["captions.hnsw"])

    def other_run(folder):
        with open(os.path.join(folder, "index.json"), "w") as f:
            json.dump(dict(manifest, run="/elsewhere/another-run"), f)
    variant("merge_part_other_run", other_run, ["another-run"])
    # The same gallery twice: every id in both.
    variant("merge_part_same_ids", lambda folder: None, ["is in both"])


def dataset_cases(c):
    def variant(name, files, target):
        folder = c.folder(name)
        for relative, data in files.items():
            path = os.path.join(folder, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if data is None:
                os.mkfifo(path)
            else:
                c.write(path, data)
        c.add(name, ["dataset", "inspect", os.path.join(folder, target), "--strict"], [target.split("/")[-1] or name])

    variant("ds_jsonl_binary", {"pairs.jsonl": bytes(range(256)) * 40}, "pairs.jsonl")
    variant("ds_jsonl_missing_image", {"pairs.jsonl": b'{"image": "nowhere.jpg", "text": "a dog", "split": "train"}\n'}, "pairs.jsonl")
    variant("ds_karpathy_wrong_shape", {"dataset_flickr8k.json": b'{"images": {"filename": 3}}'}, "dataset_flickr8k.json")
    variant("ds_token_fifo", {"Flickr8k.token.txt": None, "Flickr_8k.trainImages.txt": b"x.jpg\n"}, "Flickr8k.token.txt")
    # WebDataset shards: cut short, a lying size, a wrong checksum, a PAX size of 2^60, a text member over its cap,
    # a negative base-256 size, a FIFO named .tar. Each is reported (an error under --strict) and names the shard.
    def shard(members):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    def checksummed(header):
        header = bytearray(header[:512])
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\0 " % sum(header)
        return bytes(header)

    png = open(os.path.join(c.base, "data", "images", "00.png"), "rb").read()
    good = shard([("a.png", png), ("a.txt", b"a red square"), ("b.png", png), ("b.txt", b"another red square")])
    variant("ds_tar_truncated", {"cut.tar": good[:512 + 300]}, "cut.tar")
    lying = bytearray(good)
    lying[124:136] = b"77777777777\0"
    variant("ds_tar_lying_size", {"lying.tar": checksummed(lying) + bytes(lying[512:])}, "lying.tar")
    flipped = bytearray(good)
    flipped[0] ^= 1
    variant("ds_tar_checksum", {"flipped.tar": bytes(flipped)}, "flipped.tar")
    negative = bytearray(good)
    negative[124:136] = b"\xff" * 12
    variant("ds_tar_negative_size", {"negative.tar": checksummed(negative) + bytes(negative[512:])}, "negative.tar")
    record = b"size=1152921504606846976\n"
    record = b"%d %s" % (len(record) + 3, record)
    pax = tarfile.TarInfo("pax")
    pax.type, pax.size = tarfile.XHDTYPE, len(record)
    variant("ds_tar_pax_size", {"pax.tar": pax.tobuf(format=tarfile.USTAR_FORMAT) + record.ljust(512, b"\0") + good}, "pax.tar")
    variant("ds_tar_text_over_cap", {"big.tar": shard([("a.png", png), ("a.txt", b"x" * ((1 << 20) + 1))])}, "big.tar")
    variant("ds_tar_fifo", {"fifo.tar": None}, "fifo.tar")
    # A photo that is a FIFO: hashing it for the cache or decoding it must not wait on it.
    folder = c.folder("ds_image_fifo")
    os.makedirs(os.path.join(folder, "images"))
    shutil.copy(os.path.join(c.base, "data", "images", "00.png"), os.path.join(folder, "images", "a.png"))
    os.mkfifo(os.path.join(folder, "images", "b.png"))
    c.write(os.path.join(folder, "pairs.jsonl"), b'{"image": "images/a.png", "text": "a red square", "split": "train"}\n'
            b'{"image": "images/b.png", "text": "a blue square", "split": "train"}\n')
    c.add("ds_image_fifo", ["embed", "images", os.path.join(folder, "pairs.jsonl"), "--split", "train", "--strict",
                            "--cache-dir", "{out}/cache", "--out", "{out}/x.npy"], ["b.png"])


def make_cases(base, out):
    os.makedirs(out, exist_ok=True)
    c = Cases(base, out)
    train = ["train", "{base}/data/pairs.jsonl", "--preset", "thomas2020", "--text-tower", "mlp", "--text-encoder", "glove-mean",
             "--weights", "1,1,0.3,0.2", "--epochs", "1", "--batch-size", "8", "--cache-dir", "{base}/cache", "--out", "{out}/run"]
    image_cases(c)
    npy_cases(c)
    doc2vec_cases(c)
    neighbor_cases(c, train)
    run_train = ["train", "{base}/data/pairs.jsonl", "--preset", "thomas2020", "--text-tower", "mlp", "--text-encoder", "glove-mean",
                 "--weights", "1,1,0,0", "--batch-size", "8", "--cache-dir", "{base}/cache", "--out", "{out}/run"]
    checkpoint_cases(c, run_train)
    index_cases(c)
    merge_cases(c)
    dataset_cases(c)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(c.cases, f, indent=1)
    print(f"{len(c.cases)} cases in {out}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dataset":
        make_dataset(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "cases":
        make_cases(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
