"""Writes the golden reference folder for `lipsync model verify --reference` tests.

The arrays are what an IDENTITY model (ModelSynth.Arch.IDENTITY: output = face[:, 3:6]) at face
size 8 must map to each other, computed here with NumPy, independently of the Java code:
  mel.npy       float32 [2, 1, 80, 16], uniform in [-4, 4] (Wav2Lip's mel range)
  face.npy      float32 [2, 6, 8, 8], uniform in [0, 1]
  expected.npy  float32 [2, 3, 8, 8] = face[:, 3:6]

Run from the repository root:  python3 tools/model/src/test/python/make_identity_reference.py
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "resources/io/lipstream/tools/model/reference/identity8"
PAIRS, SIZE = 2, 8

rng = np.random.default_rng(20240601)
mel = rng.uniform(-4, 4, size=(PAIRS, 1, 80, 16)).astype(np.float32)
face = rng.uniform(0, 1, size=(PAIRS, 6, SIZE, SIZE)).astype(np.float32)
expected = np.ascontiguousarray(face[:, 3:6])

OUT.mkdir(parents=True, exist_ok=True)
np.save(OUT / "mel.npy", mel)
np.save(OUT / "face.npy", face)
np.save(OUT / "expected.npy", expected)
print("wrote", OUT)
