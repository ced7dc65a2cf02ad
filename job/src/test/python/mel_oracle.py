#!/usr/bin/env python3
"""Independent oracle for lipstream's streaming mel: Wav2Lip's offline audio.melspectrogram.

Re-implements, with numpy and scipy only, what Wav2Lip's audio.py computes with librosa 0.7.0
(which Wav2Lip pins) and hparams.py, step by step as those libraries do it -- it is written from
the Python sources, not from the Java code under test:

  audio.load_wav     librosa.core.load(path, sr=16000): int16 / 32768 as float32 (soundfile)
  audio.preemphasis  scipy.signal.lfilter([1, -0.97], [1], wav)            (float64 result)
  audio._stft        librosa.stft(y, n_fft=800, hop_length=200, win_length=800): window 'hann'
                     from scipy get_window(fftbins=True), center=True with np.pad mode='reflect',
                     util.frame, np.fft.rfft per frame, stored as complex64 (librosa's default)
  np.abs             magnitude, float32
  _linear_to_mel     np.dot(librosa.filters.mel(16000, 800, n_mels=80, fmin=55, fmax=7600), S)
                     Slaney mel scale (htk=False) and Slaney area norm (norm=1), float32 weights
  _amp_to_db         20 * log10(max(1e-5, x)), then - ref_level_db (20)
  _normalize         clip(8 * (S + 100) / 100 - 4, -4, 4)  (symmetric_mels, max_abs_value 4)

Arithmetic follows numpy 1.x (what Wav2Lip ran on): a float64 scalar against a float32 array
keeps float32, so those steps cast explicitly here.

Run from the repository root:  python3 job/src/test/python/mel_oracle.py
Writes job/src/test/resources/mel-golden/: NAME.input.npy (float32 samples, the exact input the
Java tests feed; for the speech the wav's int16 samples, which librosa.load divides by 32768), NAME.mel.npy (80, T) float32, speech.windows.fps*.npy (N, 80, 16) float32 chosen
as Wav2Lip inference.py does, and npy-*.npy fixtures for the Java .npy reader.
"""
import os
import wave

import numpy as np
import scipy.signal

# hparams.py
SAMPLE_RATE = 16000
N_FFT = 800
HOP_SIZE = 200
WIN_SIZE = 800
NUM_MELS = 80
FMIN = 55
FMAX = 7600
PREEMPHASIS = 0.97
MIN_LEVEL_DB = -100
REF_LEVEL_DB = 20
MAX_ABS_VALUE = 4.0
# inference.py
MEL_STEP_SIZE = 16

ROOT = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(ROOT, "..", "..", "..", ".."))
OUT = os.path.join(REPO, "job", "src", "test", "resources", "mel-golden")
SPEECH = os.path.join(REPO, "tools", "samples", "src", "main", "resources", "io", "lipstream",
                      "samples", "speech_en_16k.wav")


# ---- librosa 0.7.0 core/time_frequency.py (Slaney branch, htk=False) ----
def hz_to_mel(frequencies):
    frequencies = np.asanyarray(frequencies, dtype=np.float64)
    f_min = 0.0
    f_sp = 200.0 / 3
    mels = (frequencies - f_min) / f_sp
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - f_min) / f_sp
    logstep = np.log(6.4) / 27.0
    if frequencies.ndim:
        log_t = frequencies >= min_log_hz
        mels[log_t] = min_log_mel + np.log(frequencies[log_t] / min_log_hz) / logstep
    elif frequencies >= min_log_hz:
        mels = min_log_mel + np.log(frequencies / min_log_hz) / logstep
    return mels


def mel_to_hz(mels):
    mels = np.asanyarray(mels, dtype=np.float64)
    f_min = 0.0
    f_sp = 200.0 / 3
    freqs = f_min + f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = (min_log_hz - f_min) / f_sp
    logstep = np.log(6.4) / 27.0
    if mels.ndim:
        log_t = mels >= min_log_mel
        freqs[log_t] = min_log_hz * np.exp(logstep * (mels[log_t] - min_log_mel))
    elif mels >= min_log_mel:
        freqs = min_log_hz * np.exp(logstep * (mels - min_log_mel))
    return freqs


def mel_frequencies(n_mels, fmin, fmax):
    min_mel = hz_to_mel(fmin)
    max_mel = hz_to_mel(fmax)
    mels = np.linspace(min_mel, max_mel, n_mels)
    return mel_to_hz(mels)


def fft_frequencies(sr, n_fft):
    return np.linspace(0, float(sr) / 2, int(1 + n_fft // 2), endpoint=True)


# ---- librosa 0.7.0 filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm=1, float32) ----
def mel_basis(sr, n_fft, n_mels, fmin, fmax):
    weights = np.zeros((n_mels, int(1 + n_fft // 2)), dtype=np.float32)
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin, fmax)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights


# ---- librosa 0.7.0 stft(center=True, pad_mode='reflect', window='hann', dtype=complex64) ----
def stft(y, n_fft, hop_length, win_length):
    fft_window = scipy.signal.get_window("hann", win_length, fftbins=True)
    lpad = (n_fft - win_length) // 2  # util.pad_center; 0 here
    fft_window = np.pad(fft_window, (lpad, n_fft - win_length - lpad), mode="constant")
    fft_window = fft_window.reshape((-1, 1))
    y = np.pad(y, int(n_fft // 2), mode="reflect")
    # util.frame: columns are frames of n_fft samples, hop_length apart
    n_frames = 1 + int((len(y) - n_fft) / hop_length)
    y_frames = np.lib.stride_tricks.as_strided(
        y, shape=(n_fft, n_frames), strides=(y.itemsize, hop_length * y.itemsize))
    stft_matrix = np.empty((int(1 + n_fft // 2), n_frames), dtype=np.complex64, order="F")
    stft_matrix[:, :] = np.fft.rfft(fft_window * y_frames, axis=0)
    return stft_matrix


# ---- Wav2Lip audio.py ----
_MEL_BASIS = mel_basis(SAMPLE_RATE, N_FFT, NUM_MELS, FMIN, FMAX)


def melspectrogram(wav):
    emphasized = scipy.signal.lfilter([1, -PREEMPHASIS], [1], wav)
    D = stft(emphasized, N_FFT, HOP_SIZE, WIN_SIZE)
    S = np.abs(D)  # float32
    mel = np.dot(_MEL_BASIS, S)  # float32
    min_level = np.exp(MIN_LEVEL_DB / 20 * np.log(10))
    db = np.float32(20) * np.log10(np.maximum(np.float32(min_level), mel))
    S = db - np.float32(REF_LEVEL_DB)
    norm = (np.float32(2 * MAX_ABS_VALUE) * ((S - np.float32(MIN_LEVEL_DB)) / np.float32(-MIN_LEVEL_DB))
            - np.float32(MAX_ABS_VALUE))
    out = np.clip(norm, -MAX_ABS_VALUE, MAX_ABS_VALUE).astype(np.float32)
    assert out.shape == (NUM_MELS, 1 + len(wav) // HOP_SIZE), out.shape
    return out


# ---- Wav2Lip inference.py: the per-frame mel chunks ----
def mel_chunks(mel, fps):
    chunks = []
    mel_idx_multiplier = 80.0 / fps
    i = 0
    while 1:
        start_idx = int(i * mel_idx_multiplier)
        if start_idx + MEL_STEP_SIZE > len(mel[0]):
            chunks.append(mel[:, len(mel[0]) - MEL_STEP_SIZE:])
            break
        chunks.append(mel[:, start_idx:start_idx + MEL_STEP_SIZE])
        i += 1
    return np.stack(chunks).astype(np.float32)


def read_wav_pcm16(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == SAMPLE_RATE
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def pcm16_to_float(pcm):
    # what librosa.load returns for a 16 kHz mono s16 file (soundfile): int16 / 32768 as float32
    return (pcm.astype(np.float32) / np.float32(32768)).astype(np.float32)


def signals():
    rng = np.random.default_rng(20240601)
    t = np.arange(3 * SAMPLE_RATE + 123) / SAMPLE_RATE
    # logarithmic sweep 40 Hz -> 7900 Hz over the signal, amplitude 0.5
    sweep = 0.5 * scipy.signal.chirp(t, f0=40, t1=t[-1], f1=7900, method="logarithmic")
    noise = np.clip(rng.normal(0.0, 1.0, 2 * SAMPLE_RATE + 37), -1.0, 1.0)
    sigs = {
        "speech": pcm16_to_float(read_wav_pcm16(SPEECH)),
        "sweep": sweep,
        "silence": np.zeros(SAMPLE_RATE + 77),
        "noise": noise,
        "three": np.array([0.25, -0.5, 0.125]),
    }
    # lengths around the reflect-padding and column-completion boundaries
    for n in (1, 2, 399, 400, 401, 599, 600, 601, 799, 1001):
        sigs["short%d" % n] = rng.uniform(-0.8, 0.8, n)
    return {name: np.asarray(s, dtype=np.float32) for name, s in sigs.items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, wav in signals().items():
        if name == "speech":
            # the wav's own int16 samples (half the size); readers divide by 32768
            np.save(os.path.join(OUT, name + ".input.npy"), read_wav_pcm16(SPEECH))
        else:
            np.save(os.path.join(OUT, name + ".input.npy"), wav)
        mel = melspectrogram(wav)
        np.save(os.path.join(OUT, name + ".mel.npy"), mel)
        if name == "speech":
            np.save(os.path.join(OUT, "speech.windows.fps25.npy"), mel_chunks(mel, 25.0))
            np.save(os.path.join(OUT, "speech.windows.fps30000_1001.npy"),
                    mel_chunks(mel, 30000 / 1001))
        print(name, len(wav), mel.shape)
    # fixtures for the Java .npy reader: other dtypes and a 3-d C-order shape
    np.save(os.path.join(OUT, "npy-float64.npy"), np.array([[0.5, -1.25, 3.0], [1e-300, 2.0, -0.0]]))
    np.save(os.path.join(OUT, "npy-int16.npy"), np.array([0, 1, -1, 32767, -32768], dtype="<i2"))
    np.save(os.path.join(OUT, "npy-float32-3d.npy"), np.arange(24, dtype=np.float32).reshape(2, 3, 4))


if __name__ == "__main__":
    main()
