"""Writes a copy of a llama-architecture GGUF that keeps only its first LAYERS transformer blocks (token embedding,
final norm, output and metadata unchanged but llama.block_count), so a real model fits the GPU machine's 64 MiB
transfer: SmolLM2-135M Q4_1 is 94 MiB, its first 12 of 30 blocks 56 MiB. The result is a smaller model with real
weights, good for comparing two attention paths on real attention patterns, not for judging answers.
  python3 truncate_gguf.py IN.gguf OUT.gguf LAYERS"""
import re
import struct
import sys

SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # GGUF value type -> bytes
STRING, ARRAY, UINT32 = 8, 9, 4


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.d, self.o)[0]
        self.o += struct.calcsize("<" + fmt)
        return v

    def string(self):
        n = self.take("Q")
        s = self.d[self.o:self.o + n].decode("utf-8")
        self.o += n
        return s

    def skip_value(self, t):
        if t in SCALAR:
            self.o += SCALAR[t]
        elif t == STRING:
            n = self.take("Q")
            self.o += n
        elif t == ARRAY:
            inner, n = self.take("I"), self.take("Q")
            if inner in SCALAR:
                self.o += SCALAR[inner] * n
            else:
                for _ in range(n):
                    self.skip_value(inner)
        else:
            raise ValueError(f"unknown GGUF value type {t}")


def main():
    src, dst, layers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(src, "rb").read()
    r = Reader(data)
    if data[:4] != b"GGUF":
        sys.exit(f"{src} is not a GGUF file")
    r.o = 4
    version, n_tensors, n_kv = r.take("I"), r.take("Q"), r.take("Q")
    out = bytearray(data[:4]) + struct.pack("<I", version)
    kvs = bytearray()
    alignment, blocks = 32, None
    for _ in range(n_kv):
        start = r.o
        key = r.string()
        t = r.take("I")
        value_at = r.o
        r.skip_value(t)
        if key == "general.alignment":
            alignment = struct.unpack_from("<I", data, value_at)[0]
        if key.endswith(".block_count") and t == UINT32:
            blocks = struct.unpack_from("<I", data, value_at)[0]
            kvs += data[start:value_at] + struct.pack("<I", layers)
        else:
            kvs += data[start:r.o]
    if blocks is None or not 0 < layers <= blocks:
        sys.exit(f"LAYERS must be between 1 and the model's block count ({blocks})")
    tensors = []
    for _ in range(n_tensors):
        name = r.string()
        n_dims = r.take("I")
        dims = [r.take("Q") for _ in range(n_dims)]
        ggml_type, offset = r.take("I"), r.take("Q")
        tensors.append((name, dims, ggml_type, offset))
    data_start = (r.o + alignment - 1) // alignment * alignment
    # Each tensor's span runs to the next one's start (its bytes plus the writer's alignment padding).
    by_offset = sorted(tensors, key=lambda t: t[3])
    span = {}
    for i, t in enumerate(by_offset):
        end = by_offset[i + 1][3] if i + 1 < len(by_offset) else len(data) - data_start
        span[t[0]] = (t[3], end - t[3])
    keep = [t for t in by_offset if not (m := re.match(r"blk\.(\d+)\.", t[0])) or int(m.group(1)) < layers]
    infos, payload, at = bytearray(), bytearray(), 0
    for name, dims, ggml_type, _ in keep:
        offset, size = span[name]
        encoded = name.encode("utf-8")
        infos += struct.pack("<Q", len(encoded)) + encoded + struct.pack("<I", len(dims))
        infos += b"".join(struct.pack("<Q", d) for d in dims) + struct.pack("<IQ", ggml_type, at)
        chunk = data[data_start + offset:data_start + offset + size]
        payload += chunk + b"\0" * ((-len(chunk)) % alignment)
        at += len(chunk) + (-len(chunk)) % alignment
    out += struct.pack("<QQ", len(keep), n_kv) + kvs + infos
    out += b"\0" * ((-len(out)) % alignment)
    out += payload
    open(dst, "wb").write(out)
    print(f"{dst}: {layers} of {blocks} blocks, {len(keep)} of {n_tensors} tensors, {len(out) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
