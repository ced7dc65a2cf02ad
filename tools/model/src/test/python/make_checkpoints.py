"""Writes the Wav2Lip checkpoint fixtures for `lipsync model import` tests, and a NumPy oracle.

Every file is written here, by Python's standard library and NumPy only (no torch, no paddle), so
the Java reader is tested against files it did not write. All checkpoints hold the FULL Wav2Lip
generator of Rudrabha/Wav2Lip (models/wav2lip.py, models/conv.py) or of PaddleGAN
(ppgan/models/generators/wav2lip.py, ppgan/modules/conv.py): the real parameter names and shapes,
36.3 M parameters, 145 MB of float32 each, filled with seeded random values.

Why the files are committed gzipped twice (`*.gz.gz`): 145 MB per checkpoint is far too big for the
repository. Each tensor's values repeat a random block of BLOCK floats (a prime, so the pattern does
not line up with any tensor axis; tensors smaller than a block are fully random). gzip turns that
into a stream of identical back-references, which a second gzip squeezes to about 0.5 MB. The
tests gunzip twice into a temporary file and import the genuine full-size checkpoint; nothing about
the format is simplified.

Files (under tools/model/src/test/resources/io/lipstream/tools/model/checkpoints/):
  wav2lip-random.pth.gz.gz         torch zip format (torch >= 1.6), pickle protocol 2, as Rudrabha's
                                   train scripts save it: {"state_dict": {"module." + name: tensor},
                                   "optimizer": {...}, "global_step", "global_epoch"}; BatchNorm
                                   vectors of a layer share one storage at different offsets, one
                                   conv weight is a non-contiguous (permuted-stride) view.
  wav2lip-random-legacy.pth.gz.gz  the same checkpoint in torch's legacy (pre-1.6) format.
  wav2lip-random.pdparams.gz.gz    PaddleGAN: paddle.save of the state dict, pickle protocol 2
                                   (Paddle 2.0), numpy arrays as NumPy 1.x pickles them
                                   (numpy.core.multiarray._reconstruct), plus Paddle's
                                   "StructuredToParameterName@@" table.
  wav2lip-random-p4.pdparams.gz.gz the same, pickle protocol 4 and NumPy 2.x names (numpy._core).
  wav2lip-missing-layer.pdparams.gz.gz  Paddle, protocol 4, without face_decoder_blocks.3.1.
  wav2lip-wrong-shape.pth.gz.gz    torch zip, bare state dict (no wrapper, no prefix) in which
                                   face_decoder_blocks.2.0's transposed-conv weight is stored in
                                   Conv2d layout [512, 1024, 3, 3] and an extra key
                                   audio_encoder.13.conv_block.0.weight is present.
  wav2lip-untrained-batchnorm.pth.gz.gz  torch zip, bare state dict whose BatchNorm layers all
                                   hold their initial running statistics (mean 0, variance 1).
and under .../reference/wav2lip-random/: mel.npy [2,1,80,16], face.npy [2,6,96,96] and
expected.npy [2,3,96,96], the generator's output for these weights computed here in float64 by a
NumPy forward pass (an oracle independent of the Java code), for `lipsync model verify --reference`.

Run from the repository root:  python3 tools/model/src/test/python/make_checkpoints.py
"""

import collections
import gzip
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np

RESOURCES = Path(__file__).resolve().parents[1] / "resources/io/lipstream/tools/model"
OUT = RESOURCES / "checkpoints"
REFERENCE = RESOURCES / "reference/wav2lip-random"

SEED = 20240807
BLOCK = 1021  # floats per repeated random block (prime)
BN_EPS = 1e-5  # torch.nn.BatchNorm2d and paddle.nn.BatchNorm2D default epsilon
RESIDUAL_GAMMA = 0.5  # keeps branch + skip near unit scale
OUTPUT_GAIN = 1.0  # brings the sigmoid's logits to about 1.3 rms (printed when run)
PAIRS = 2


# --- The generator, transcribed from wav2lip.py (both repositories declare the same layers) ---


def conv(cin, cout, k, s, p, residual=False):
    s = s if isinstance(s, tuple) else (s, s)
    return dict(cin=cin, cout=cout, k=k, s=s, p=p, residual=residual, transposed=False, op=0)


def conv_t(cin, cout, k, s, p, op=0):
    return dict(cin=cin, cout=cout, k=k, s=(s, s), p=p, residual=False, transposed=True, op=op)


def res(c):
    return conv(c, c, 3, 1, 1, residual=True)


FACE_ENCODER = [
    [conv(6, 16, 7, 1, 3)],
    [conv(16, 32, 3, 2, 1), res(32), res(32)],
    [conv(32, 64, 3, 2, 1), res(64), res(64), res(64)],
    [conv(64, 128, 3, 2, 1), res(128), res(128)],
    [conv(128, 256, 3, 2, 1), res(256), res(256)],
    [conv(256, 512, 3, 2, 1), res(512)],
    [conv(512, 512, 3, 1, 0), conv(512, 512, 1, 1, 0)],
]
AUDIO_ENCODER = [
    conv(1, 32, 3, 1, 1), res(32), res(32),
    conv(32, 64, 3, (3, 1), 1), res(64), res(64),
    conv(64, 128, 3, 3, 1), res(128), res(128),
    conv(128, 256, 3, (3, 2), 1), res(256),
    conv(256, 512, 3, 1, 0),
    conv(512, 512, 1, 1, 0),
]
FACE_DECODER = [
    [conv(512, 512, 1, 1, 0)],
    [conv_t(1024, 512, 3, 1, 0), res(512)],
    [conv_t(1024, 512, 3, 2, 1, 1), res(512), res(512)],
    [conv_t(768, 384, 3, 2, 1, 1), res(384), res(384)],
    [conv_t(512, 256, 3, 2, 1, 1), res(256), res(256)],
    [conv_t(320, 128, 3, 2, 1, 1), res(128), res(128)],
    [conv_t(160, 64, 3, 2, 1, 1), res(64), res(64)],
]
OUTPUT_BLOCK = conv(80, 32, 3, 1, 1)
OUTPUT_CONV = conv(32, 3, 1, 1, 0)  # plain nn.Conv2d, no BatchNorm, then Sigmoid


def blocks():
    """(module path, layer) for every Conv2d / Conv2dTranspose block, in state-dict order."""
    for b, seq in enumerate(FACE_ENCODER):
        for i, layer in enumerate(seq):
            yield f"face_encoder_blocks.{b}.{i}", layer
    for i, layer in enumerate(AUDIO_ENCODER):
        yield f"audio_encoder.{i}", layer
    for b, seq in enumerate(FACE_DECODER):
        for i, layer in enumerate(seq):
            yield f"face_decoder_blocks.{b}.{i}", layer
    yield "output_block.0", OUTPUT_BLOCK


def weight_shape(layer):
    k = layer["k"]
    if layer["transposed"]:  # ConvTranspose2d / Conv2DTranspose: [C_in, C_out, k, k]
        return (layer["cin"], layer["cout"], k, k)
    return (layer["cout"], layer["cin"], k, k)


# --- Random weights ---


def tiled(rng, shape, scale):
    n = int(np.prod(shape))
    block = rng.standard_normal(min(n, BLOCK))
    return (np.resize(block, n) * scale).reshape(shape).astype(np.float32)


def make_weights():
    """PyTorch-named float32 arrays; BatchNorm statistics away from their initial values."""
    rng = np.random.default_rng(SEED)
    w = {}
    for path, layer in blocks():
        s = layer["s"][0] * layer["s"][1] if layer["transposed"] else 1
        fan_in = layer["cin"] * layer["k"] ** 2 / s
        cout = layer["cout"]
        w[f"{path}.conv_block.0.weight"] = tiled(rng, weight_shape(layer), np.sqrt(2 / fan_in))
        w[f"{path}.conv_block.0.bias"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
        gamma = RESIDUAL_GAMMA if layer["residual"] else 1.0
        w[f"{path}.conv_block.1.weight"] = (gamma * rng.uniform(0.8, 1.2, cout)).astype(np.float32)
        w[f"{path}.conv_block.1.bias"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
        w[f"{path}.conv_block.1.running_mean"] = rng.uniform(-0.2, 0.2, cout).astype(np.float32)
        w[f"{path}.conv_block.1.running_var"] = rng.uniform(0.5, 2.0, cout).astype(np.float32)
    fan_in = OUTPUT_CONV["cin"]
    w["output_block.1.weight"] = tiled(rng, weight_shape(OUTPUT_CONV), OUTPUT_GAIN * np.sqrt(3 / fan_in))
    w["output_block.1.bias"] = rng.uniform(-0.1, 0.1, 3).astype(np.float32)
    return w


def is_batchnorm_companion(name):
    """BatchNorm vectors written together with the layer's .conv_block.1.weight (views mode)."""
    return name.endswith((".conv_block.1.bias", ".conv_block.1.running_mean",
                          ".conv_block.1.running_var"))


# --- NumPy forward pass (float64), the oracle ---


def conv2d(x, w, b, s, p):
    sh, sw = s
    k = w.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    ho = (x.shape[2] + 2 * p - k) // sh + 1
    wo = (x.shape[3] + 2 * p - k) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for kh in range(k):
        for kw in range(k):
            patch = xp[:, :, kh : kh + sh * (ho - 1) + 1 : sh, kw : kw + sw * (wo - 1) + 1 : sw]
            out += np.einsum("bchw,oc->bohw", patch, w[:, :, kh, kw], optimize=True)
    return out + b[None, :, None, None]


def conv_transpose2d(x, w, b, s, p, op):
    k = w.shape[2]
    n, _, h, wd = x.shape
    ho = (h - 1) * s - 2 * p + k + op
    wo = (wd - 1) * s - 2 * p + k + op
    full = np.zeros((n, w.shape[1], (h - 1) * s + k + op, (wd - 1) * s + k + op))
    for kh in range(k):
        for kw in range(k):
            contrib = np.einsum("bchw,co->bohw", x, w[:, :, kh, kw], optimize=True)
            full[:, :, kh : kh + s * (h - 1) + 1 : s, kw : kw + s * (wd - 1) + 1 : s] += contrib
    return full[:, :, p : p + ho, p : p + wo] + b[None, :, None, None]


def block_forward(x, w, path, layer):
    weight = w[f"{path}.conv_block.0.weight"].astype(np.float64)
    bias = w[f"{path}.conv_block.0.bias"].astype(np.float64)
    if layer["transposed"]:
        y = conv_transpose2d(x, weight, bias, layer["s"][0], layer["p"], layer["op"])
    else:
        y = conv2d(x, weight, bias, layer["s"], layer["p"])
    bn = f"{path}.conv_block.1."
    mean = w[bn + "running_mean"].astype(np.float64)[None, :, None, None]
    var = w[bn + "running_var"].astype(np.float64)[None, :, None, None]
    gamma = w[bn + "weight"].astype(np.float64)[None, :, None, None]
    beta = w[bn + "bias"].astype(np.float64)[None, :, None, None]
    y = (y - mean) / np.sqrt(var + BN_EPS) * gamma + beta
    if layer["residual"]:
        y = y + x
    return np.maximum(y, 0)


def forward(w, mel, face):
    a = mel
    for i, layer in enumerate(AUDIO_ENCODER):
        a = block_forward(a, w, f"audio_encoder.{i}", layer)
    feats = []
    x = face
    for b, seq in enumerate(FACE_ENCODER):
        for i, layer in enumerate(seq):
            x = block_forward(x, w, f"face_encoder_blocks.{b}.{i}", layer)
        feats.append(x)
    x = a
    for b, seq in enumerate(FACE_DECODER):
        for i, layer in enumerate(seq):
            x = block_forward(x, w, f"face_decoder_blocks.{b}.{i}", layer)
        x = np.concatenate([x, feats.pop()], axis=1)
    x = block_forward(x, w, "output_block.0", OUTPUT_BLOCK)
    logits = conv2d(
        x,
        w["output_block.1.weight"].astype(np.float64),
        w["output_block.1.bias"].astype(np.float64),
        (1, 1),
        0,
    )
    return logits, 1 / (1 + np.exp(-logits))


def random_pairs():
    """Wav2Lip-like inputs: mel in [-4, 4]; a face in [0, 1] and its copy with rows 48.. zeroed."""
    rng = np.random.default_rng(SEED + 1)
    mel = rng.uniform(-4, 4, size=(PAIRS, 1, 80, 16)).astype(np.float32)
    ref = rng.uniform(0, 1, size=(PAIRS, 3, 96, 96)).astype(np.float32)
    masked = ref.copy()
    masked[:, :, 48:, :] = 0
    return mel, np.concatenate([masked, ref], axis=1)


# --- Pickling foreign globals without importing them ---


class Global:
    """A reference to module.name, pickled as a global without importing the module."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle wants reduce functions callable; never called
        raise TypeError(f"{self.module}.{self.name} is a stand-in")


class Reduced:
    """An object pickled as func(*args) followed by BUILD(state) when state is not None."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state


class Pickler(pickle._Pickler):  # the pure-Python pickler, whose save() can be extended
    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, Global):
            memo = self.memo.get(id(obj))
            if memo is not None:
                self.write(self.get(memo[0]))
                return
            if self.proto >= 4:
                self.save(obj.module)
                self.save(obj.name)
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
            return
        super().save(obj, save_persistent_id)

    def reducer_override(self, obj):
        if isinstance(obj, Reduced):
            return (obj.func, obj.args, obj.state)
        return NotImplemented


def dumps(obj, protocol, persistent_id=None):
    buffer = io.BytesIO()
    pickler = Pickler(buffer, protocol)
    if persistent_id is not None:
        pickler.persistent_id = persistent_id
    pickler.dump(obj)
    return buffer.getvalue()


# --- torch formats ---

REBUILD_TENSOR_V2 = Global("torch._utils", "_rebuild_tensor_v2")
FLOAT_STORAGE = Global("torch", "FloatStorage")
LONG_STORAGE = Global("torch", "LongStorage")
ORDERED_DICT = Global("collections", "OrderedDict")


class Storage:
    def __init__(self, key, kind, data):
        self.key, self.kind, self.data = key, kind, data
        self.numel = len(data) // (8 if kind is LONG_STORAGE else 4)


class TorchTensors:
    """Builds tensors as torch.save pickles them: storages by persistent id, then a rebuild call."""

    def __init__(self, key_base=0):
        self.storages = {}
        self.key_base = key_base

    def storage(self, kind, data):
        key = str(self.key_base + len(self.storages))
        self.storages[key] = Storage(key, kind, data)
        return self.storages[key]

    def tensor(self, storage, offset, size, stride):
        # _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
        hooks = Reduced(ORDERED_DICT, ())
        return Reduced(REBUILD_TENSOR_V2, (storage, offset, tuple(size), tuple(stride), False, hooks))

    def contiguous(self, array):
        kind = LONG_STORAGE if array.dtype == np.int64 else FLOAT_STORAGE
        storage = self.storage(kind, array.astype(array.dtype.newbyteorder("<")).tobytes())
        return self.tensor(storage, 0, array.shape, contiguous_strides(array.shape))

    def state_dict(self, weights, prefix="", views=True):
        """An OrderedDict of tensors; with views, BatchNorm vectors share a storage per layer and
        the first 3x3 conv weight is stored transposed (a permuted-stride view)."""
        out = []
        permuted_done = False
        for name, array in weights.items():
            if views and is_batchnorm_companion(name):
                continue  # emitted with the layer's other BatchNorm vectors below
            if views and name.endswith(".conv_block.1.weight"):
                layer = name[: -len(".weight")]
                parts = [weights[f"{layer}.{p}"] for p in ("weight", "bias", "running_mean", "running_var")]
                storage = self.storage(FLOAT_STORAGE, np.concatenate(parts).astype("<f4").tobytes())
                c = parts[0].shape[0]
                for i, p in enumerate(("weight", "bias", "running_mean", "running_var")):
                    out.append((f"{prefix}{layer}.{p}", self.tensor(storage, i * c, (c,), (1,))))
                tracked = self.contiguous(np.array(1000, dtype=np.int64))
                out.append((f"{prefix}{layer}.num_batches_tracked", tracked))
                continue
            if views and not permuted_done and array.ndim == 4 and array.shape[2] == 3:
                # Store w.transpose(0, 1) contiguously and describe w as a strided view of it.
                o, i, kh, kw = array.shape
                data = np.ascontiguousarray(array.transpose(1, 0, 2, 3)).astype("<f4").tobytes()
                storage = self.storage(FLOAT_STORAGE, data)
                out.append((prefix + name, self.tensor(storage, 0, array.shape, (kh * kw, o * kh * kw, kw, 1))))
                permuted_done = True
                continue
            out.append((prefix + name, self.contiguous(array)))
        return ordered(out)

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.kind, obj.key, "cpu", obj.numel)
        return None

    def legacy_persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.kind, obj.key, "cpu", obj.numel, None)
        return None


def ordered(items):
    """collections.OrderedDict(items) as pickle writes it: OrderedDict() then SETITEMS."""
    return OrderedItems(items)


class OrderedItems:
    def __init__(self, items):
        self.items = items

    def __reduce__(self):
        return (ORDERED_DICT, (), None, None, iter(self.items))


def contiguous_strides(shape):
    strides, step = [], 1
    for d in reversed(shape):
        strides.append(step)
        step *= d
    return tuple(reversed(strides))


def rudrabha_checkpoint(state_dict):
    """What Rudrabha/Wav2Lip's train scripts save (save_checkpoint in wav2lip_train.py)."""
    optimizer = {"state": {}, "param_groups": [{"lr": 1e-4, "betas": (0.5, 0.999), "eps": 1e-8,
                                                "weight_decay": 0, "amsgrad": False,
                                                "params": list(range(10))}]}
    return {"state_dict": state_dict, "optimizer": optimizer, "global_step": 123456,
            "global_epoch": 42}


def torch_zip(obj, tensors, archive="archive"):
    data_pkl = dumps(obj, 2, tensors.persistent_id)
    buffer = io.BytesIO()

    def entry(z, name, data):
        # A fixed timestamp keeps the file byte-for-byte reproducible.
        z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        entry(z, f"{archive}/data.pkl", data_pkl)
        entry(z, f"{archive}/byteorder", "little")
        for key, storage in tensors.storages.items():
            entry(z, f"{archive}/data/{key}", storage.data)
        entry(z, f"{archive}/version", "3\n")
    return buffer.getvalue()


LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch/serialization.py MAGIC_NUMBER
LEGACY_PROTOCOL = 1001  # torch/serialization.py PROTOCOL_VERSION


def torch_legacy(obj, tensors):
    out = io.BytesIO()
    out.write(dumps(LEGACY_MAGIC, 2))
    out.write(dumps(LEGACY_PROTOCOL, 2))
    sys_info = {"protocol_version": LEGACY_PROTOCOL, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    out.write(dumps(sys_info, 2))
    out.write(dumps(obj, 2, tensors.legacy_persistent_id))
    keys = sorted(tensors.storages)
    out.write(dumps(keys, 2))
    for key in keys:
        storage = tensors.storages[key]
        out.write(struct.pack("<q", storage.numel))
        out.write(storage.data)
    return out.getvalue()


# --- Paddle format ---


def paddle_name(name):
    return name.replace(".running_mean", "._mean").replace(".running_var", "._variance")


def numpy_array(array, core):
    """An ndarray as NumPy pickles it: _reconstruct(ndarray, (0,), b'b') then __setstate__."""
    dtype = Reduced(Global("numpy", "dtype"), ("f4", False, True),
                    (3, "<", None, None, None, -1, -1, 0))
    state = (1, tuple(array.shape), dtype, False, array.astype("<f4").tobytes())
    return Reduced(Global(f"{core}.multiarray", "_reconstruct"),
                   (Global("numpy", "ndarray"), (0,), b"b"), state)


def paddle_state_dict(weights, protocol, core, drop=()):
    out = {}
    table = {}
    counter = collections.Counter()
    for name, array in weights.items():
        if any(name.startswith(d + ".") for d in drop):
            continue
        pname = paddle_name(name)
        out[pname] = numpy_array(array, core)
        kind = "conv2d" if name.endswith(".conv_block.0.weight") else "param"
        table[pname] = f"{kind}_{counter[kind]}.w_0"
        counter[kind] += 1
    out["StructuredToParameterName@@"] = table
    return dumps(out, protocol)


# --- Writing ---


def write_gz2(path, data):
    path.write_bytes(gzip.compress(gzip.compress(data, 9, mtime=0), 9, mtime=0))
    print(f"wrote {path.name}: {len(data) / 1e6:.1f} MB as {path.stat().st_size / 1e6:.2f} MB")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    REFERENCE.mkdir(parents=True, exist_ok=True)
    weights = make_weights()
    total = sum(a.size for a in weights.values())
    print(f"{len(weights)} tensors, {total:,} values")

    mel, face = random_pairs()
    logits, expected = forward(weights, mel.astype(np.float64), face.astype(np.float64))
    print(f"oracle logits: std {logits.std():.3f}, range [{logits.min():.3f}, {logits.max():.3f}];"
          f" output range [{expected.min():.4f}, {expected.max():.4f}]")
    np.save(REFERENCE / "mel.npy", mel)
    np.save(REFERENCE / "face.npy", face)
    np.save(REFERENCE / "expected.npy", expected.astype(np.float32))

    tensors = TorchTensors()
    ckpt = rudrabha_checkpoint(tensors.state_dict(weights, prefix="module."))
    write_gz2(OUT / "wav2lip-random.pth.gz.gz", torch_zip(ckpt, tensors))

    tensors = TorchTensors(key_base=94_000_000_000_000)
    ckpt = rudrabha_checkpoint(tensors.state_dict(weights, prefix="module."))
    write_gz2(OUT / "wav2lip-random-legacy.pth.gz.gz", torch_legacy(ckpt, tensors))

    write_gz2(OUT / "wav2lip-random.pdparams.gz.gz", paddle_state_dict(weights, 2, "numpy.core"))
    write_gz2(OUT / "wav2lip-random-p4.pdparams.gz.gz", paddle_state_dict(weights, 4, "numpy._core"))
    write_gz2(OUT / "wav2lip-missing-layer.pdparams.gz.gz",
              paddle_state_dict(weights, 4, "numpy.core", drop=("face_decoder_blocks.3.1",)))

    wrong = dict(weights)
    name = "face_decoder_blocks.2.0.conv_block.0.weight"
    wrong[name] = weights[name].reshape(512, 1024, 3, 3)  # the same values in Conv2d's layout
    wrong["audio_encoder.13.conv_block.0.weight"] = weights["audio_encoder.12.conv_block.0.weight"]
    tensors = TorchTensors()
    write_gz2(OUT / "wav2lip-wrong-shape.pth.gz.gz",
              torch_zip(tensors.state_dict(wrong, views=False), tensors, archive="wav2lip"))

    untrained = dict(weights)
    for name, array in weights.items():
        if name.endswith(".running_mean"):
            untrained[name] = np.zeros_like(array)
        elif name.endswith(".running_var"):
            untrained[name] = np.ones_like(array)
    tensors = TorchTensors()
    write_gz2(OUT / "wav2lip-untrained-batchnorm.pth.gz.gz",
              torch_zip(tensors.state_dict(untrained, views=False), tensors))


if __name__ == "__main__":
    main()
