#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed-*): small valid
files of every format pfgm reads, and a few invalid ones. Standard library only. Findings are kept
beside them as finding-* files and are not touched by this script.
Usage: python3 tools/make_fuzz_corpus.py [tests/fuzz/corpus]"""
import gzip
import io
import json
import os
import struct
import sys
import zipfile
import zlib

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fuzz", "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, "seed-" + name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def png(width, height, color_type, bit_depth, rows, palette=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    if palette:
        out += chunk(b"PLTE", palette)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def npy(descr, shape, raw):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + raw


def zip_of(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


config = {"model_type": "ToyMLP", "precond": "edm", "N": 2, "D": 128, "pfgmpp": True, "sigma_data": 0.5,
          "sigma_min": 0.002, "sigma_max": 80, "P_mean": -1.2, "P_std": 1.2, "hidden": 64, "layers": 3}
put("safetensors", "tensors", safetensors({"w": ("F32", [2, 3], struct.pack("<6f", *range(6))),
                                           "step": ("I64", [], struct.pack("<q", 7))}, {"config": json.dumps(config)}))
put("safetensors", "dtypes", safetensors({"b": ("BOOL", [3], b"\0\1\0"), "h": ("BF16", [2], b"\x80\x3f\0\x40"),
                                          "e": ("F16", [0, 4], b""), "u": ("U8", [2, 2], b"\1\2\3\4")}))
put("safetensors", "empty", safetensors({}))
put("safetensors", "truncated", safetensors({"w": ("F64", [4], struct.pack("<4d", 1, 2, 3, 4))})[:-5])

put("model_config", "toy", json.dumps(config))
put("model_config", "songunet", json.dumps({"model_type": "SongUNet", "img_resolution": 32, "img_channels": 1,
                                            "model_channels": 32, "channel_mult": [1, 2, 2], "D": "inf"}))
put("model_config", "pfgm", json.dumps({"model_type": "NCSNpp", "precond": "pfgm", "img_resolution": 32,
                                        "img_channels": 3, "z_max": 40, "z_min": 1e-3, "gamma": 5, "z_exp": 5,
                                        "upper_norm": 3000, "D": 1}))
put("model_config", "bad-sigma", json.dumps(dict(config, sigma_min=100)))

put("png", "grey", png(4, 4, 0, 8, [bytes(range(i * 4, i * 4 + 4)) for i in range(4)]))
put("png", "rgb", png(3, 2, 2, 8, [bytes(range(9)), bytes(range(9, 18))]))
put("png", "grey16", png(2, 2, 0, 16, [b"\x12\x34\x56\x78", b"\x9a\xbc\xde\xf0"]))
put("png", "palette", png(2, 2, 3, 8, [b"\0\1", b"\1\0"], palette=b"\xff\0\0\0\0\xff"))
put("png", "rgba", png(1, 2, 6, 8, [b"\1\2\3\4", b"\5\6\7\x08"]))

grey = png(4, 4, 0, 8, [bytes([i * 16 + k for k in range(4)]) for i in range(4)])
labels = json.dumps({"labels": [["00000/img00000000.png", 0], ["00000/img00000001.png", 3]]})
put("zip_dataset", "labelled", zip_of([("00000/img00000000.png", grey), ("00000/img00000001.png", grey),
                                       ("dataset.json", labels)]))
put("zip_dataset", "unlabelled", zip_of([("a.png", grey), ("b.png", grey)], zipfile.ZIP_DEFLATED))
put("zip_dataset", "null-labels", zip_of([("a.png", grey), ("dataset.json", '{"labels": null}')]))
put("zip_dataset", "traversal", zip_of([("../outside.png", grey)]))

images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18))
put("idx", "images", images)
put("idx", "labels", struct.pack(">II", 0x801, 4) + b"\0\1\2\3")
put("idx", "images-gz", gzip.compress(images))
put("idx", "short", images[:-1])

record = lambda label: bytes([label]) + bytes((i * 7 + label) % 256 for i in range(3072))
put("cifar10", "one", record(3))
put("cifar10", "two", record(0) + record(9))
put("cifar10", "partial", record(1)[:-1])

put("npy", "f4", npy("<f4", [2, 3], struct.pack("<6f", *range(6))))
put("npy", "u1", npy("|u1", [4], b"\1\2\3\4"))
put("npy", "i8-scalar", npy("<i8", [], struct.pack("<q", -5)))
put("npy", "f8-empty", npy("<f8", [0, 3], b""))

put("npz", "stats", zip_of([("mu.npy", npy("<f8", [2], struct.pack("<2d", 0.5, -1))),
                            ("sigma.npy", npy("<f8", [2, 2], struct.pack("<4d", 1, 0, 0, 1)))]))
put("npz", "deflated", zip_of([("x.npy", npy("|u1", [3], b"abc"))], zipfile.ZIP_DEFLATED))
put("npz", "not-npy", zip_of([("x.txt", b"hello")]))

put("csv", "header", "x,y\n0.5,1\n-2,3e-4\n")
put("csv", "comments", "# points\n\n1,2,3\n4,5,6\n")
put("csv", "ragged", "1,2\n3\n")
put("csv", "nan", "1,nan\n")

for name, text in {"range": "0-63", "list": "1,5,7-9", "negative": "-3--1", "one": "42", "bad": "1,,2"}.items():
    put("seeds", name, text)
