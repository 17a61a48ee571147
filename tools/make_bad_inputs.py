#!/usr/bin/env python3
"""Writes the bad-input corpus files (tests/bad_inputs/*) from one small valid toy snapshot and
training state (`pfgm toy train --data heart --n_train 64 --batch 32 --iters 4 --hidden 8 --blocks 1`),
each damaged in one way. Standard library only. The cases that use them are in tests/bad_inputs/cases.txt.
Usage: python3 tools/make_bad_inputs.py SNAPSHOT STATE [OUT=tests/bad_inputs]"""
import gzip
import json
import os
import struct
import sys
import zipfile
import zlib

snapshot, state = sys.argv[1], sys.argv[2]
OUT = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "tests", "bad_inputs")
os.makedirs(OUT, exist_ok=True)


def put(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def split(raw):
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def join(header, data):
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


good = open(snapshot, "rb").read()
put("good.safetensors", good)
put("truncated.safetensors", good[: len(good) - 100])
put("corrupt_header.safetensors", good[:8] + b"#" + good[9:])
header, data = split(good)


def with_config(**changes):
    h = json.loads(json.dumps(header))
    config = json.loads(h["__metadata__"]["config"])
    for k, v in changes.items():
        if v is None:
            config.pop(k, None)
        else:
            config[k] = v
    h["__metadata__"]["config"] = json.dumps(config)
    return join(h, data)


put("wrong_architecture.safetensors", with_config(hidden=16))
put("unknown_key.safetensors", with_config(hiden=8))
put("mistyped_value.safetensors", with_config(hidden="eight"))
put("image_config.safetensors", with_config(model_type="SongUNet", img_resolution=32, img_channels=3))
# NaN in the first float32 tensor.
name, info = next((k, v) for k, v in header.items() if k != "__metadata__" and v["dtype"] == "F32")
begin = info["data_offsets"][0]
put("nan_weights.safetensors", join(header, data[:begin] + struct.pack("<f", float("nan")) + data[begin + 4:]))
put("state.safetensors", open(state, "rb").read())
put("not_safetensors.safetensors", "this is a text file\n")

# Data files.
def png(width, height, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

ok = png(4, 4, [bytes(4)] * 4)
put("bad_png_folder/a.png", ok)
put("bad_png_folder/b.png", ok[:40])
put("bad.zip", b"PK\x03\x04" + bytes(60))
put("bad_idx/train-images-idx3-ubyte.gz", gzip.compress(struct.pack(">IIII", 0x803, 10, 28, 28) + bytes(28 * 28 * 3)))
put("bad_idx/train-labels-idx1-ubyte.gz", gzip.compress(struct.pack(">II", 0x801, 10) + bytes(10)))
with zipfile.ZipFile(os.path.join(OUT, "bad.npz"), "w") as z:
    z.writestr("x.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 10) + b"{'descr': ")
put("ragged.csv", "x,y\n1,2\n3\n")
put("nan.csv", "1,2\nnan,3\n")
put("config_unknown_key.json", json.dumps({"model_type": "ToyMLP", "N": 2, "hidden": 8, "nmu_blocks": 2}))
put("config_bad_json.json", '{"model_type": "ToyMLP",')
